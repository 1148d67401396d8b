//! The terminal chat: the bot in a REPL, over the same core as Telegram. Works interactively and
//! with piped input (one line = one message). Buttons are shown as lines marked `[#1]`, `[#2]`…
//! and chosen by that mark or their label — a bare number stays text, so a summary's numbered
//! items and the buttons under it are never confused; a path to an existing file sends that file.

use std::io::{BufRead, Write};
use std::path::Path;

use crate::bot::{Bot, Input, Sender};
use crate::delivery::{Profile, Reach};
use crate::files::FileStore;
use crate::reply::{Button, Reply};

/// The terminal chat as the core knows it: one local user, who sees only replies.
pub const PROFILE: Profile = Profile { name: "cli", reach: Reach::RepliesOnly, rate_limited: false };

/// Reads messages from `input` until it ends and writes the bot's replies to `output`.
/// `interactive` adds a greeting and a prompt.
pub async fn run(
    bot: &Bot,
    files: &FileStore,
    sender: &Sender,
    input: impl BufRead,
    mut output: impl Write,
    interactive: bool,
) -> std::io::Result<()> {
    let mut buttons: Vec<Button> = Vec::new();
    if interactive {
        buttons = show(&mut output, &bot.handle(sender, Input::Text("/start".to_owned())).await)?;
        write!(output, "> ")?;
        output.flush()?;
    }
    for line in input.lines() {
        let line = line?;
        let message = read(&line, &buttons, files)?;
        buttons = show(&mut output, &bot.handle(sender, message).await)?;
        if interactive {
            write!(output, "> ")?;
        }
        output.flush()?;
    }
    Ok(())
}

/// What marks a button's number: `#3` (or `＃3`, as a Chinese input method types it).
const MARKS: [char; 2] = ['#', '＃'];

/// A typed line as the bot sees it: a button chosen by its mark (`#3`) or label, a file by its
/// path, or text.
fn read(line: &str, buttons: &[Button], files: &FileStore) -> std::io::Result<Input> {
    let typed = line.trim();
    let by_mark = typed
        .strip_prefix(MARKS)
        .and_then(|number| number.trim().parse::<usize>().ok())
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| buttons.get(i));
    let by_label = || buttons.iter().find(|button| button.label.trim_start_matches("✅ ").eq_ignore_ascii_case(typed));
    if let Some(button) = by_mark.or_else(by_label) {
        return Ok(Input::Button(button.data.clone()));
    }
    let path = Path::new(typed);
    if !typed.is_empty() && path.is_file() {
        return files.keep_copy(path).map(Input::File);
    }
    Ok(Input::Text(line.to_owned()))
}

/// Prints replies and returns the buttons of the last one that has any.
fn show(output: &mut impl Write, replies: &[Reply]) -> std::io::Result<Vec<Button>> {
    let mut buttons = Vec::new();
    for reply in replies {
        writeln!(output, "{}", reply.text)?;
        for (number, button) in reply.buttons.iter().enumerate() {
            writeln!(output, "  [{}{}] {}", MARKS[0], number + 1, button.label)?;
        }
        writeln!(output)?;
        if !reply.buttons.is_empty() {
            buttons = reply.buttons.clone();
        }
    }
    Ok(buttons)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> Reply {
        Reply::with_buttons(
            "1. 姓名：张三\n2. 电话：13800138000",
            vec![
                Button::new("确认提交", "confirm"),
                Button::new("修改 1 姓名", "edit:1"),
                Button::new("取消", "cancel"),
            ],
        )
    }

    #[test]
    fn buttons_are_marked_apart_from_numbered_lines_and_chosen_by_their_mark_or_label() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileStore::open(dir.path()).unwrap();
        let mut shown = Vec::new();
        let buttons = show(&mut shown, &[summary()]).unwrap();
        let shown = String::from_utf8(shown).unwrap();
        assert!(
            shown.contains("1. 姓名：张三\n2. 电话") && shown.contains("  [#1] 确认提交\n  [#2] 修改 1 姓名"),
            "{shown}"
        );
        let read = |line: &str| read(line, &buttons, &files).unwrap();
        assert_eq!(read("#2"), Input::Button("edit:1".into()));
        assert_eq!(read(" ＃3 "), Input::Button("cancel".into()));
        assert_eq!(read("确认提交"), Input::Button("confirm".into()));
        assert_eq!(read("2"), Input::Text("2".into()), "a bare number is the summary's, not a button's");
        assert_eq!(read("#9"), Input::Text("#9".into()));
    }
}
