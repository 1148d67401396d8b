//! Sending replies to Telegram: inline keyboards, long texts split at Telegram's limit, documents,
//! and a retry policy that honours 429 `retry_after` and backs off on server and network errors.

use std::time::Duration;

use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::*;
use teloxide::types::{ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, InputFile};
use teloxide::{ApiError, RequestError};

use crate::reply::{Button, Reply};
use crate::text::truncate;

/// Telegram's limit on a message's text, in characters.
const MAX_TEXT_CHARS: usize = 4096;
/// Telegram's limit on a document's caption, in characters.
const MAX_CAPTION_CHARS: usize = 1024;
/// Buttons with labels this short go two to a row.
const SHORT_LABEL_CHARS: usize = 12;
/// How often a direct reply is tried before it is given up.
const ATTEMPTS: u32 = 5;

/// How a failed request should be handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Try again after this long (429 with `retry_after`, a server or network error).
    Retry(Duration),
    /// Telegram will never accept it (bot blocked, chat not found, bad request).
    Permanent,
}

/// Classifies an error: rate limits and passing failures are retried, the rest are not.
pub fn classify(error: &RequestError, attempt: u32) -> Failure {
    let backoff = Duration::from_millis(250 * 2u64.pow(attempt.min(8)));
    match error {
        RequestError::RetryAfter(seconds) => Failure::Retry(seconds.duration()),
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => Failure::Retry(backoff),
        // Errors teloxide does not know by name: a server error (500, 502) passes; a request
        // Telegram refuses stays refused.
        RequestError::Api(ApiError::Unknown(text))
            if !["Bad Request", "Forbidden", "Unauthorized"].iter().any(|refusal| text.starts_with(refusal)) =>
        {
            Failure::Retry(backoff)
        }
        _ => Failure::Permanent,
    }
}

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

/// Sends `reply`, retrying rate limits and passing failures a few times (used for the direct
/// answer to a message; the outbox has its own, persistent retries).
pub async fn send(bot: &impl Requester<Err = RequestError>, chat: ChatId, reply: &Reply) {
    for attempt in 0..ATTEMPTS {
        match send_once(bot, chat, reply).await {
            Ok(()) => return,
            Err(error) => match classify(&error, attempt) {
                Failure::Retry(wait) if attempt + 1 < ATTEMPTS => {
                    tracing::warn!(chat = chat.0, error = %error, ?wait, "retrying a reply");
                    tokio::time::sleep(wait).await;
                }
                _ => {
                    tracing::error!(chat = chat.0, error = %error, "a reply could not be delivered");
                    return;
                }
            },
        }
    }
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

    #[test]
    fn rate_limits_wait_as_told_and_bad_requests_are_final() {
        let retry = RequestError::RetryAfter(teloxide::types::Seconds::from_seconds(3));
        assert_eq!(classify(&retry, 0), Failure::Retry(Duration::from_secs(3)));
        assert_eq!(classify(&RequestError::Api(ApiError::BotBlocked), 0), Failure::Permanent);
        assert_eq!(
            classify(&RequestError::Api(ApiError::Unknown("Internal Server Error".into())), 2),
            Failure::Retry(Duration::from_secs(1))
        );
    }
}
