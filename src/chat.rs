//! The terminal chat: the bot in a REPL, over the same core as Telegram. Works interactively and
//! with piped input (one line = one message). Buttons are shown as numbered lines and chosen by
//! number or label; a path to an existing file sends that file.

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

/// A typed line as the bot sees it: a button chosen by its number or label, a file by its path,
/// or text.
fn read(line: &str, buttons: &[Button], files: &FileStore) -> std::io::Result<Input> {
    let typed = line.trim();
    let by_number = typed.parse::<usize>().ok().and_then(|n| n.checked_sub(1)).and_then(|i| buttons.get(i));
    let by_label = || buttons.iter().find(|button| button.label.trim_start_matches("✅ ").eq_ignore_ascii_case(typed));
    if let Some(button) = by_number.or_else(by_label) {
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
            writeln!(output, "  {}. {}", number + 1, button.label)?;
        }
        writeln!(output)?;
        if !reply.buttons.is_empty() {
            buttons = reply.buttons.clone();
        }
    }
    Ok(buttons)
}
