//! Who sent a message: the channel, the chat and the user ([`Sender`]).

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
