//! Who sent a message ([`Sender`]: the channel, the chat and the user) and who the staff are
//! ([`Staff`]).

use std::collections::HashSet;

use crate::delivery::Chat;
use crate::lang::Lang;

/// Who sent a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// The channel (`telegram`, `cli`).
    pub channel: String,
    /// The chat the message came from: the user's own chat, or a group (the staff chat).
    pub chat: String,
    /// The user's id on that channel.
    pub id: String,
    /// The language the channel reports for the user (Telegram's language_code), if any.
    pub lang: Option<Lang>,
}

impl Sender {
    /// A user writing in their own chat on `channel`.
    pub fn new(channel: &str, id: impl Into<String>, lang: Option<Lang>) -> Self {
        let id = id.into();
        Self { channel: channel.to_owned(), chat: id.clone(), id, lang }
    }

    /// A user writing in the group chat `chat`.
    pub fn in_group(channel: &str, chat: impl Into<String>, id: impl Into<String>, lang: Option<Lang>) -> Self {
        Self { channel: channel.to_owned(), chat: chat.into(), id: id.into(), lang }
    }

    /// Whether the message came from the user's own chat rather than a group.
    pub fn is_private(&self) -> bool {
        self.chat == self.id
    }

    /// `channel:id`: the user across chats (their lock, cache entry and rate window; staff's
    /// name in the audit log).
    pub fn key(&self) -> String {
        format!("{}:{}", self.channel, self.id)
    }
}

/// Who the staff are: members and a group chat on one channel (the messenger, whose ids
/// `STAFF_USER_IDS` and `STAFF_CHAT_ID` name). Staff rights exist only there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Staff {
    /// The channel the ids below are on.
    pub channel: String,
    /// The chat new applications are posted to.
    pub chat: Option<String>,
    /// The user ids allowed to act as staff.
    pub members: HashSet<String>,
}

impl Staff {
    /// Whether `sender` is a staff member.
    pub fn is_member(&self, sender: &Sender) -> bool {
        sender.channel == self.channel && self.members.contains(&sender.id)
    }

    /// Whether `sender` wrote in the staff chat.
    pub fn is_staff_chat(&self, sender: &Sender) -> bool {
        sender.channel == self.channel && self.chat.as_deref() == Some(sender.chat.as_str())
    }

    /// Whether `sender` wrote in their own chat or in the staff chat: the only chats the bot
    /// listens to, and the only ones full personal data is shown in.
    pub fn is_private_or_staff_chat(&self, sender: &Sender) -> bool {
        sender.is_private() || self.is_staff_chat(sender)
    }

    /// The staff chat, where notifications for staff go.
    pub fn chat(&self) -> Option<Chat> {
        self.chat.as_ref().map(|chat| Chat { channel: self.channel.clone(), id: chat.clone() })
    }
}
