//! The `/commands`: one table ([`COMMANDS`]) that parsing, the help texts and the messenger's
//! command menu all read, and the handling of the commands every user has.

use std::collections::BTreeMap;

use super::BotError;
use super::turn::Turn;
use crate::lang::{Bilingual, Lang};
use crate::messages::{Key, Message, Messages, keys};
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
    /// What follows the name, as the help shows it.
    pub argument: Option<Key>,
    /// What it does.
    pub help: Key,
}

/// Every command, in the order the help and the menu list them.
pub const COMMANDS: [Entry; 16] = [
    user(Command::Start, "start", None, keys::COMMAND_START),
    user(Command::Help, "help", None, keys::COMMAND_HELP),
    user(Command::Ask, "ask", Some(keys::COMMAND_ASK_ARGUMENT), keys::COMMAND_ASK),
    user(Command::Apply, "apply", None, keys::COMMAND_APPLY),
    user(Command::Eligibility, "eligibility", None, keys::COMMAND_ELIGIBILITY),
    user(Command::Status, "status", None, keys::COMMAND_STATUS),
    user(Command::Cancel, "cancel", None, keys::COMMAND_CANCEL),
    user(Command::Lang, "lang", None, keys::COMMAND_LANG),
    user(Command::MyData, "mydata", None, keys::COMMAND_MYDATA),
    user(Command::Forget, "forget", None, keys::COMMAND_FORGET),
    staff(Command::Pending, "pending", Some(keys::COMMAND_PENDING_ARGUMENT), keys::COMMAND_PENDING),
    staff(Command::Show, "show", Some(keys::COMMAND_SHOW_ARGUMENT), keys::COMMAND_SHOW),
    staff(Command::Approve, "approve", Some(keys::COMMAND_APPROVE_ARGUMENT), keys::COMMAND_APPROVE),
    staff(Command::Reject, "reject", Some(keys::COMMAND_REJECT_ARGUMENT), keys::COMMAND_REJECT),
    staff(Command::NeedInfo, "needinfo", Some(keys::COMMAND_NEEDINFO_ARGUMENT), keys::COMMAND_NEEDINFO),
    staff(Command::Export, "export", Some(keys::COMMAND_EXPORT_ARGUMENT), keys::COMMAND_EXPORT),
];

const fn user(command: Command, name: &'static str, argument: Option<Key>, help: Key) -> Entry {
    Entry { command, name, audience: Audience::Everyone, argument, help }
}

const fn staff(command: Command, name: &'static str, argument: Option<Key>, help: Key) -> Entry {
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
pub fn list(messages: &Messages, audience: Audience, title: Key) -> Bilingual {
    let (mut zh, mut en) = (vec![messages.get(title, &[]).zh], vec![messages.get(title, &[]).en]);
    for entry in COMMANDS.iter().filter(|entry| entry.audience == audience) {
        let help = messages.get(entry.help, &[]);
        let argument = entry.argument.map(|key| messages.get(key, &[]));
        let line = |help: &str, argument: Option<&str>| match argument {
            None => format!("/{} — {help}", entry.name),
            Some(argument) => format!("/{} {argument} — {help}", entry.name),
        };
        zh.push(line(&help.zh, argument.as_ref().map(|a| a.zh.as_str())));
        en.push(line(&help.en, argument.as_ref().map(|a| a.en.as_str())));
    }
    Bilingual::new(zh.join("\n"), en.join("\n"))
}

/// The messenger's command menu in `lang`: (command, description) for every user command.
pub fn menu(messages: &Messages, lang: Lang) -> Vec<(&'static str, String)> {
    COMMANDS
        .iter()
        .filter(|entry| entry.audience == Audience::Everyone)
        .map(|entry| {
            let help = messages.get(entry.help, &[]);
            (entry.name, if lang == Lang::En { help.en } else { help.zh })
        })
        .collect()
}

impl Turn<'_> {
    /// A user's command; `None` when the open form should handle it instead (/cancel, /help).
    pub(super) async fn command(&mut self, command: Command, argument: &str) -> Result<Option<Vec<Reply>>, BotError> {
        let in_form = self.session.is_some();
        Ok(Some(match command {
            Command::Start => {
                let mut replies = vec![self.menu(Message::Welcome.render(self.lang, &*self.inner.policy))];
                if in_form {
                    replies.extend(self.resume().await?);
                }
                replies
            }
            Command::Help if !in_form => self.help(),
            Command::Ask if argument.is_empty() => self.say(keys::ASK_PROMPT, &[]),
            Command::Ask => self.answer(argument).await?,
            Command::Apply => self.apply_for(argument).await?,
            Command::Eligibility => self.eligibility().await?,
            Command::Status => self.status().await?,
            Command::Cancel if !in_form => self.say(keys::NOTHING_TO_CANCEL, &[]),
            Command::Lang => match Lang::from_code(argument) {
                Some(lang) => self.set_lang(lang).await?,
                None => self.lang_menu(),
            },
            Command::MyData => self.my_data().await?,
            Command::Forget => vec![Reply::with_buttons(
                self.word(keys::FORGET_CONFIRM, &[]),
                vec![
                    Button::new(self.word(keys::FORGET_BUTTON, &[]), "forget:yes"),
                    Button::new(self.word(keys::KEEP_BUTTON, &[]), "forget:no"),
                ],
            )],
            _ => return Ok(None),
        }))
    }

    /// The user commands, with the main menu.
    pub(super) fn help(&self) -> Vec<Reply> {
        let messages = self.inner.policy.messages();
        let list = list(messages, Audience::Everyone, keys::HELP_TITLE);
        let in_form = messages.get(keys::HELP_IN_FORM, &[]);
        let text = Bilingual::new(format!("{}\n{}", list.zh, in_form.zh), format!("{}\n{}", list.en, in_form.en));
        vec![self.menu(self.render(&text))]
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
        let policy = crate::policy::tests::policy();
        let messages = policy.messages();
        for entry in &COMMANDS {
            let help = messages.get(entry.help, &[]);
            assert!(!help.zh.is_empty() && !help.en.is_empty(), "/{} has no help text", entry.name);
            let same_help = COMMANDS.iter().filter(|other| other.help == entry.help).count();
            assert_eq!(same_help, 1, "/{} has a help text of its own", entry.name);
            assert_eq!(COMMANDS.iter().filter(|other| other.name == entry.name).count(), 1, "/{}", entry.name);
            assert_eq!(entry.command.entry().name, entry.name);
            let line = format!("/{}", entry.name);
            let listed = list(messages, entry.audience, keys::HELP_TITLE);
            assert!(listed.zh.contains(&line) && listed.en.contains(&line), "/{} is not in the help", entry.name);
        }
    }
}
