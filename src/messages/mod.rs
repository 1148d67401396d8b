//! What the bot says in its own words (not the policy's): a catalog read from `messages.toml` in
//! the corpus ([`Messages`]), so that another city changes the wording without code, checked
//! against the keys the code uses ([`keys`]). Messages are written in Simplified Chinese and
//! English; Traditional Chinese is derived. City facts (the document's title, the contact, the
//! example questions) come from the corpus.
//!
//! Explanations of answer formats (an ID card's check digit, a phone number's length) stay beside
//! their parsers in `dialog/fields/`, and the names of review statuses beside the status machine:
//! they describe national formats and the workflow, not the city.

mod catalog;
pub mod keys;

pub use catalog::{Arg, City, FILE, Messages, MessagesError, arg};
pub use keys::Key;

use crate::lang::{Lang, Scripts};
use crate::smalltalk::SmallTalk;

/// What the bot's words are rendered with: the catalog, and the script converter for Traditional
/// Chinese (the policy has both).
pub trait Wording {
    /// The catalog.
    fn messages(&self) -> &Messages;
    /// The script converter.
    fn scripts(&self) -> &Scripts;
    /// The city's name.
    fn city(&self) -> &crate::lang::Bilingual;
}

/// A message of the bot's own about questions and failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// The greeting for /start and /help.
    Welcome,
    /// The policy does not cover the question.
    NotCovered,
    /// The user sent nothing readable.
    Empty,
    /// The question is longer than the bot reads.
    TooLong {
        /// The limit, in characters.
        max: usize,
    },
    /// Only symbols or emoji, no words.
    NoWords,
    /// Something broke on our side.
    Internal,
    /// A file the user sent could not be fetched from the messenger.
    FileNotReceived,
    /// The reply to small talk (a greeting gets the welcome).
    SmallTalk(SmallTalk),
}

impl Message {
    /// The message in `lang`.
    pub fn render(self, lang: Lang, policy: &impl Wording) -> String {
        let messages = policy.messages();
        let text = match self {
            Self::Welcome => messages.get(keys::WELCOME, &[]),
            Self::NotCovered => messages.get(keys::NOT_COVERED, &[]),
            Self::Empty => messages.get(keys::EMPTY, &[]),
            Self::TooLong { max } => messages.get(keys::TOO_LONG, &[arg("max", max)]),
            Self::NoWords => messages.get(keys::NO_WORDS, &[]),
            Self::Internal => messages.get(keys::INTERNAL, &[]),
            Self::FileNotReceived => messages.get(keys::FILE_NOT_RECEIVED, &[]),
            Self::SmallTalk(kind) => match kind {
                SmallTalk::Greeting => messages.get(keys::WELCOME, &[]),
                SmallTalk::Thanks => messages.get(keys::SMALLTALK_THANKS, &[]),
                SmallTalk::Acknowledgement => messages.get(keys::SMALLTALK_ACKNOWLEDGEMENT, &[]),
                SmallTalk::Goodbye => messages.get(keys::SMALLTALK_GOODBYE, &[arg("city", policy.city())]),
                SmallTalk::Identity => messages.get(keys::SMALLTALK_IDENTITY, &[arg("city", policy.city())]),
                SmallTalk::Capabilities => messages.get(keys::SMALLTALK_CAPABILITIES, &[]),
                SmallTalk::Handover => messages.get(keys::SMALLTALK_HANDOVER, &[]),
            },
        };
        text.render(lang, policy.scripts())
    }
}
