//! Telegram as a channel of the bot core: replies and notifications go out through a Bot API
//! client (the plain one for replies, the throttled one for the outbox), files users sent come in
//! through the plain one, and a failure is classified as Telegram's errors say.

use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::{ApiError, RequestError};

use super::{PROFILE, send};
use crate::delivery::{self, Channel, Failure, Profile};
use crate::reply::Reply;

/// Telegram, sending through `sender`.
#[derive(Debug, Clone)]
pub struct Telegram<R> {
    sender: R,
    /// The plain client, for downloads (the throttled one cannot).
    bot: Bot,
    /// The bot's username, which commands in groups may be addressed to (`/status@username`).
    username: String,
}

impl<R> Telegram<R> {
    /// Telegram sending through `sender` and downloading through `bot`, the bot named `username`.
    pub fn new(sender: R, bot: Bot, username: &str) -> Self {
        Self { sender, bot, username: username.to_owned() }
    }

    /// The plain client.
    pub fn bot(&self) -> &Bot {
        &self.bot
    }

    /// Whether `text` is a command addressed to another bot (`/status@OtherBot`): in a group,
    /// every bot receives those, and only the one named should answer.
    pub fn for_another_bot(&self, text: &str) -> bool {
        let Some(command) = text.trim_start().strip_prefix('/') else { return false };
        let name = command.split(char::is_whitespace).next().unwrap_or_default();
        name.split_once('@').is_some_and(|(_, bot)| !bot.eq_ignore_ascii_case(&self.username))
    }
}

/// Why a request to Telegram failed.
#[derive(Debug, thiserror::Error)]
pub enum TelegramFailure {
    /// The Bot API refused or failed.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// A file could not be downloaded.
    #[error(transparent)]
    Download(#[from] teloxide::DownloadError),
    /// The chat is not a Telegram chat id.
    #[error("{0:?} is not a Telegram chat id")]
    Chat(String),
}

impl<R> Channel for Telegram<R>
where
    R: Requester<Err = RequestError> + Send + Sync,
{
    type Error = TelegramFailure;

    fn profile(&self) -> Profile {
        PROFILE
    }

    async fn send(&self, chat: &str, reply: &Reply) -> Result<(), TelegramFailure> {
        let chat = chat.parse::<i64>().map_err(|_| TelegramFailure::Chat(chat.to_owned()))?;
        Ok(send::send_once(&self.sender, ChatId(chat), reply).await?)
    }

    async fn fetch(&self, file: &str) -> Result<Vec<u8>, TelegramFailure> {
        let file = self.bot.get_file(file.to_owned().into()).await?;
        let mut bytes = Vec::with_capacity(file.size as usize);
        self.bot.download_file(&file.path, &mut bytes).await?;
        Ok(bytes)
    }

    fn classify(&self, error: &TelegramFailure, attempt: u32) -> Failure {
        match error {
            TelegramFailure::Request(error) => classify(error, attempt),
            TelegramFailure::Download(_) => Failure::Retry(delivery::backoff(attempt)),
            TelegramFailure::Chat(_) => Failure::Permanent,
        }
    }
}

/// Rate limits and passing failures are retried, the rest are not.
fn classify(error: &RequestError, attempt: u32) -> Failure {
    match error {
        RequestError::RetryAfter(seconds) => Failure::Retry(seconds.duration()),
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            Failure::Retry(delivery::backoff(attempt))
        }
        // Errors teloxide does not know by name: a server error (500, 502) passes; a request
        // Telegram refuses stays refused.
        RequestError::Api(ApiError::Unknown(text))
            if !["Bad Request", "Forbidden", "Unauthorized"].iter().any(|refusal| text.starts_with(refusal)) =>
        {
            Failure::Retry(delivery::backoff(attempt))
        }
        _ => Failure::Permanent,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn commands_for_another_bot_are_told_apart() {
        let telegram = Telegram::new((), Bot::new("1:token"), "zj_policy_bot");
        for ours in ["/status", "/status@zj_policy_bot", "/status@ZJ_Policy_Bot now", "hello @other_bot", "/"] {
            assert!(!telegram.for_another_bot(ours), "{ours}");
        }
        for theirs in ["/status@other_bot", " /start@OtherBot hi", "/status@"] {
            assert!(telegram.for_another_bot(theirs), "{theirs}");
        }
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
