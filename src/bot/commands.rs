//! The `/commands`: one table ([`COMMANDS`]) that parsing, the help texts and the messenger's
//! command menu all read, and the handling of the commands every user has.

use std::collections::BTreeMap;

use super::turn::Turn;
use super::{BotError, texts};
use crate::lang::{Bilingual, Lang};
use crate::messages::Message;
use crate::reply::{Button, Reply};

/// A command the bot knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Start,
    Help,
    Ask,
    Apply,
    Eligibility,
    Status,
    Cancel,
    Lang,
    MyData,
    Forget,
    Pending,
    Show,
    Approve,
    Reject,
    NeedInfo,
    Export,
}

/// Who may use a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Everyone; listed in the help and the messenger's menu.
    Everyone,
    /// Staff members only; listed in the staff's usage text.
    Staff,
}

/// A command's entry in the table.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// The command.
    pub command: Command,
    /// What is typed after the slash.
    pub name: &'static str,
    /// Who may use it.
    pub audience: Audience,
    /// What follows the name, as the help shows it (Simplified Chinese, English); empty for none.
    pub argument: (&'static str, &'static str),
    /// What it does (Simplified Chinese, English).
    pub help: (&'static str, &'static str),
}

/// Every command, in the order the help and the menu list them.
pub const COMMANDS: [Entry; 16] = [
    user(Command::Start, "start", ("", ""), ("欢迎和菜单", "Welcome and menu")),
    user(Command::Help, "help", ("", ""), ("帮助", "Help")),
    user(Command::Ask, "ask", ("问题", "QUESTION"), ("咨询政策", "Ask about the policy")),
    user(Command::Apply, "apply", ("", ""), ("办理申请", "Apply")),
    user(Command::Eligibility, "eligibility", ("", ""), ("人才资格自测", "Check your talent tier")),
    user(Command::Status, "status", ("", ""), ("我的申请及进度", "Your applications")),
    user(Command::Cancel, "cancel", ("", ""), ("取消正在填写的表单", "Leave the form you are filling in")),
    user(Command::Lang, "lang", ("", ""), ("切换语言（简体、繁體、English）", "Language (简体, 繁體, English)")),
    user(Command::MyData, "mydata", ("", ""), ("查看我的个人数据", "See your personal data")),
    user(Command::Forget, "forget", ("", ""), ("删除我的草稿和个人数据", "Erase your drafts and personal data")),
    staff(Command::Pending, "pending", ("[表单]", "[form]"), ("待处理的申请", "Applications waiting for staff")),
    staff(Command::Show, "show", ("编号", "REF"), ("查看申请的完整信息", "An application in full")),
    staff(Command::Approve, "approve", ("编号 [备注]", "REF [note]"), ("通过", "Approve")),
    staff(Command::Reject, "reject", ("编号 理由", "REF reason"), ("驳回", "Reject")),
    staff(Command::NeedInfo, "needinfo", ("编号 字段 说明", "REF fields note"), ("要求补正", "Ask for a correction")),
    staff(Command::Export, "export", ("csv|xlsx", "csv|xlsx"), ("导出全部申请", "Export all applications")),
];

const fn user(
    command: Command,
    name: &'static str,
    argument: (&'static str, &'static str),
    help: (&'static str, &'static str),
) -> Entry {
    Entry { command, name, audience: Audience::Everyone, argument, help }
}

const fn staff(
    command: Command,
    name: &'static str,
    argument: (&'static str, &'static str),
    help: (&'static str, &'static str),
) -> Entry {
    Entry { command, name, audience: Audience::Staff, argument, help }
}

impl Command {
    /// The command's entry in [`COMMANDS`].
    pub fn entry(self) -> &'static Entry {
        COMMANDS.iter().find(|entry| entry.command == self).expect("every command is in the table")
    }
}

/// `/command argument` → the command and its argument; `None` for text that is not a command the
/// bot knows. Telegram appends `@botname` to commands in groups.
pub fn read(text: &str) -> Option<(Command, &str)> {
    let rest = text.trim().strip_prefix('/')?;
    let (name, argument) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let name = name.split('@').next().unwrap_or_default().to_lowercase();
    let entry = COMMANDS.iter().find(|entry| entry.name == name)?;
    Some((entry.command, argument))
}

/// The commands for `audience`, one per line (`/name argument — what it does`), under `title`.
pub fn list(audience: Audience, title: &Bilingual) -> Bilingual {
    let lines = |language: fn(&(&'static str, &'static str)) -> &'static str| -> Vec<String> {
        COMMANDS
            .iter()
            .filter(|entry| entry.audience == audience)
            .map(|entry| match language(&entry.argument) {
                "" => format!("/{} — {}", entry.name, language(&entry.help)),
                argument => format!("/{} {argument} — {}", entry.name, language(&entry.help)),
            })
            .collect()
    };
    Bilingual::new(
        format!("{}\n{}", title.zh, lines(|pair| pair.0).join("\n")),
        format!("{}\n{}", title.en, lines(|pair| pair.1).join("\n")),
    )
}

/// The messenger's command menu in `lang`: (command, description) for every user command.
pub fn menu(lang: Lang) -> Vec<(&'static str, &'static str)> {
    COMMANDS
        .iter()
        .filter(|entry| entry.audience == Audience::Everyone)
        .map(|entry| (entry.name, if lang == Lang::En { entry.help.1 } else { entry.help.0 }))
        .collect()
}

impl Turn<'_> {
    /// A user's command; `None` when the open form should handle it instead (/cancel, /help).
    pub(super) async fn command(&mut self, command: Command, argument: &str) -> Result<Option<Vec<Reply>>, BotError> {
        let in_form = self.session.is_some();
        Ok(Some(match command {
            Command::Start => {
                let mut replies = vec![self.menu(Message::Welcome.render(self.lang, &self.inner.policy))];
                if in_form {
                    replies.extend(self.resume().await?);
                }
                replies
            }
            Command::Help if !in_form => self.say_with_menu(texts::help()),
            Command::Ask if argument.is_empty() => self.say(texts::ask_prompt()),
            Command::Ask => self.answer(argument).await?,
            Command::Apply => self.apply_for(argument).await?,
            Command::Eligibility => self.eligibility().await?,
            Command::Status => self.status().await?,
            Command::Cancel if !in_form => self.say(texts::nothing_to_cancel()),
            Command::Lang => match Lang::from_code(argument) {
                Some(lang) => self.set_lang(lang).await?,
                None => self.lang_menu(),
            },
            Command::MyData => self.my_data().await?,
            Command::Forget => vec![Reply::with_buttons(
                self.render(&texts::forget_confirm()),
                vec![
                    Button::new(self.render(&texts::forget_button()), "forget:yes"),
                    Button::new(self.render(&texts::keep_button()), "forget:no"),
                ],
            )],
            _ => return Ok(None),
        }))
    }

    /// `/apply [form]`: the form named, or the list of forms; the open form if there is one.
    pub(super) async fn apply_for(&mut self, argument: &str) -> Result<Vec<Reply>, BotError> {
        if self.session.is_some() {
            return self.resume().await;
        }
        match self.flow_by_id(argument).or_else(|| self.flow_named(argument)) {
            Some(flow) => self.start_form(flow, BTreeMap::new()).await,
            None => Ok(self.form_menu()),
        }
    }

    /// `/eligibility`: the eligibility check; the open form if there is one.
    pub(super) async fn eligibility(&mut self) -> Result<Vec<Reply>, BotError> {
        if self.session.is_some() {
            return self.resume().await;
        }
        match self.eligibility_flow() {
            Some(flow) => self.start_form(flow, BTreeMap::new()).await,
            None => Ok(self.form_menu()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_read_with_their_argument_in_any_case_and_with_a_bot_name() {
        assert_eq!(read("/ask 人才公寓怎么申请"), Some((Command::Ask, "人才公寓怎么申请")));
        assert_eq!(read("  /START@zj_policy_bot"), Some((Command::Start, "")));
        assert_eq!(read("/needinfo ZJ-1 phone 请核对"), Some((Command::NeedInfo, "ZJ-1 phone 请核对")));
        assert_eq!(read("/back"), None, "not a command of the table: the open form reads it");
        assert_eq!(read("ask"), None);
    }

    #[test]
    fn every_command_has_a_name_of_its_own_and_help_in_both_languages() {
        for entry in &COMMANDS {
            assert!(!entry.help.0.is_empty() && !entry.help.1.is_empty(), "/{} has no help text", entry.name);
            assert_eq!(COMMANDS.iter().filter(|other| other.name == entry.name).count(), 1, "/{}", entry.name);
            assert_eq!(entry.command.entry().name, entry.name);
        }
    }
}
