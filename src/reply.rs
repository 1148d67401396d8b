//! What the bot says back: text plus optional buttons, independent of any messenger. Adapters
//! turn buttons into inline keyboards (Telegram) or numbered lines (terminal).

use serde::{Deserialize, Serialize};

/// A message to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// Plain text (no markup).
    pub text: String,
    /// Buttons under the message, in order.
    pub buttons: Vec<Button>,
    /// A file sent with the message (staff exports); never queued in the outbox.
    #[serde(skip)]
    pub document: Option<Document>,
    /// Whether the answer is expected as a reply to this message: messengers that hide group
    /// chatter from bots (Telegram's privacy mode) still pass replies on.
    #[serde(default)]
    pub expects_reply: bool,
}

/// A file the bot sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The file name the user sees.
    pub name: String,
    /// The content.
    pub bytes: Vec<u8>,
}

/// A button: what it says, and what pressing it sends back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// The label.
    pub label: String,
    /// The data sent back when pressed (at most 64 bytes, Telegram's limit for callback data).
    pub data: String,
}

impl Reply {
    /// A message without buttons.
    pub fn text(text: impl Into<String>) -> Self {
        Self { text: text.into(), buttons: Vec::new(), document: None, expects_reply: false }
    }

    /// A message with buttons.
    pub fn with_buttons(text: impl Into<String>, buttons: Vec<Button>) -> Self {
        Self { text: text.into(), buttons, document: None, expects_reply: false }
    }

    /// A file with a caption.
    pub fn with_document(text: impl Into<String>, document: Document) -> Self {
        Self { text: text.into(), buttons: Vec::new(), document: Some(document), expects_reply: false }
    }
}

impl Reply {
    /// A question whose answer should come as a reply to it.
    pub fn question(text: impl Into<String>) -> Self {
        Self { expects_reply: true, ..Self::text(text) }
    }
}

impl Button {
    /// A button.
    pub fn new(label: impl Into<String>, data: impl Into<String>) -> Self {
        Self { label: label.into(), data: data.into() }
    }
}
