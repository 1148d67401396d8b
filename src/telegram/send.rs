//! Replies as Telegram messages: inline keyboards, long texts split at Telegram's limit,
//! documents.

use teloxide::RequestError;
use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::*;
use teloxide::types::{ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, InputFile};

use crate::reply::{Button, Reply};
use crate::text::truncate;

/// Telegram's limit on a message's text, in characters.
const MAX_TEXT_CHARS: usize = 4096;
/// Telegram's limit on a document's caption, in characters.
const MAX_CAPTION_CHARS: usize = 1024;
/// Buttons with labels this short go two to a row.
const SHORT_LABEL_CHARS: usize = 12;

/// Sends `reply` to `chat` once (one or more messages); the first error ends it.
pub async fn send_once(
    bot: &impl Requester<Err = RequestError>,
    chat: ChatId,
    reply: &Reply,
) -> Result<(), RequestError> {
    if let Some(document) = &reply.document {
        let file = InputFile::memory(document.bytes.clone()).file_name(document.name.clone());
        bot.send_document(chat, file).caption(truncate(&reply.text, MAX_CAPTION_CHARS)).await?;
        return Ok(());
    }
    let chunks = split(&reply.text);
    let last = chunks.len() - 1;
    for (index, chunk) in chunks.into_iter().enumerate() {
        let request = bot.send_message(chat, chunk);
        // Buttons go under the last part, where the user reads on.
        if index == last && !reply.buttons.is_empty() {
            request.reply_markup(keyboard(&reply.buttons)).await?;
        } else if index == last && reply.expects_reply {
            request.reply_markup(ForceReply::new()).await?;
        } else {
            request.await?;
        }
    }
    Ok(())
}

/// The inline keyboard for `buttons`: short labels two to a row, long ones on their own.
pub fn keyboard(buttons: &[Button]) -> InlineKeyboardMarkup {
    let mut rows: Vec<Vec<InlineKeyboardButton>> = Vec::new();
    for button in buttons {
        let key = InlineKeyboardButton::callback(button.label.clone(), button.data.clone());
        let short = button.label.chars().count() <= SHORT_LABEL_CHARS;
        match rows.last_mut() {
            Some(row) if short && row.len() == 1 && row[0].text.chars().count() <= SHORT_LABEL_CHARS => row.push(key),
            _ => rows.push(vec![key]),
        }
    }
    InlineKeyboardMarkup::new(rows)
}

/// `text` cut into Telegram-sized parts, at line ends where possible.
pub fn split(text: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut length = 0;
    for line in text.split_inclusive('\n') {
        for piece in pieces(line, MAX_TEXT_CHARS) {
            let piece_length = piece.chars().count();
            if length + piece_length > MAX_TEXT_CHARS {
                parts.push(std::mem::take(&mut current));
                length = 0;
            }
            current.push_str(piece);
            length += piece_length;
        }
    }
    parts.push(current);
    parts.retain(|part| !part.trim().is_empty());
    if parts.is_empty() {
        parts.push("…".to_owned());
    }
    parts
}

/// `line` in pieces of at most `max` characters.
fn pieces(mut line: &str, max: usize) -> impl Iterator<Item = &str> {
    std::iter::from_fn(move || {
        let piece = truncate(line, max);
        line = &line[piece.len()..];
        (!piece.is_empty()).then_some(piece)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_labels_pair_up_and_long_ones_stand_alone() {
        let buttons = [
            Button::new("是", "yes"),
            Button::new("否", "no"),
            Button::new("湛江经济技术开发区（很长的名字）", "zone"),
            Button::new("不限", "any"),
        ];
        let rows: Vec<Vec<String>> =
            keyboard(&buttons).inline_keyboard.iter().map(|row| row.iter().map(|b| b.text.clone()).collect()).collect();
        assert_eq!(rows, [vec!["是", "否"], vec!["湛江经济技术开发区（很长的名字）"], vec!["不限"]]);
    }

    #[test]
    fn long_texts_are_split_at_lines_under_the_limit() {
        let line = format!("{}\n", "字".repeat(1000));
        let parts = split(&line.repeat(9));
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_TEXT_CHARS));
        assert_eq!(parts.concat(), line.repeat(9));
    }

    #[test]
    fn a_line_longer_than_a_message_is_cut() {
        let parts = split(&"a".repeat(10_000));
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [4096, 4096, 1808]);
    }
}
