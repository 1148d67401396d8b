//! The bot core: one user input in, the replies out. Every channel (Telegram, the terminal chat)
//! is a thin adapter over this, so behaviour is the same everywhere and testable offline.

use std::sync::Arc;

use crate::lang::Lang;
use crate::messages::Message;
use crate::policy::Policy;

/// Who is talking to the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user's id within the channel.
    pub id: String,
    /// The language the user prefers when a message does not show one.
    pub lang: Lang,
}

/// Something the bot says back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The message text (plain text, no markup).
    pub text: String,
}

/// The bot: the policy and everything it answers with.
#[derive(Debug, Clone)]
pub struct Bot {
    policy: Arc<Policy>,
}

impl Bot {
    /// A bot answering from `policy`.
    pub fn new(policy: Arc<Policy>) -> Self {
        Self { policy }
    }

    /// The policy the bot answers from.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Handles one message from `user`.
    pub async fn handle(&self, user: &User, text: &str) -> Vec<Reply> {
        let say = |message: Message, lang: Lang| message.render(lang, &self.policy);
        let command = text.trim().strip_prefix('/').map(|rest| rest.split_whitespace().next().unwrap_or_default());
        let reply = match command {
            Some("start" | "help") => say(Message::Welcome, user.lang),
            _ => match self.policy.answer(text, user.lang) {
                Ok(answer) => answer.answer,
                Err(err) => {
                    tracing::error!(error = %err, "answering failed");
                    say(Message::Internal, user.lang)
                }
            },
        };
        vec![Reply { text: reply }]
    }
}
