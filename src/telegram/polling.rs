//! Long polling that loses no update. Telegram forgets every update below the offset of the next
//! getUpdates, so a batch is first stored in the inbox, and only then does the next call confirm
//! it; fetching thus runs ahead of handling while a crash cannot lose what was confirmed. At
//! start the updates left in the inbox are handled first: those handled before the crash are
//! recognised by their recorded ids. Each chat's updates are handled in order, chats in parallel
//! (see [`Lanes`]).

use std::sync::Arc;
use std::time::Duration;

use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::*;
use teloxide::types::AllowedUpdate;

use super::TelegramError;
use super::lanes::Lanes;
use crate::app::App;
use crate::clock::Clock;
use crate::errors;
use crate::notify::PUSH_CHANNEL;
use crate::store::inbox::{self, Stored};
use crate::store::{Store, StoreError};

/// How long one getUpdates waits for news.
const POLL_SECS: u32 = 10;
/// Telegram's maximum batch.
const BATCH: u8 = 100;
/// The longest pause after repeated failures.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The updates the bot reads.
pub fn wanted() -> [AllowedUpdate; 2] {
    [AllowedUpdate::Message, AllowedUpdate::CallbackQuery]
}

/// Polls until `shutdown`; the updates fetched by then are handled before it returns.
pub async fn run(bot: Bot, app: Arc<App>, shutdown: impl Future<Output = ()>) -> Result<(), TelegramError> {
    // A webhook left from an earlier deployment would make getUpdates fail.
    bot.delete_webhook().await.map_err(|source| TelegramError::Setup { what: "deleteWebhook", source })?;
    let mut inbox = Inbox { store: app.bot.store().clone(), clock: app.clock(), forgotten_below: 0 };
    let lanes = Lanes::new(bot.clone(), Arc::clone(&app));
    tokio::pin!(shutdown);
    let mut offset = tokio::select! {
        () = &mut shutdown => return Ok(()),
        offset = inbox.replay(&lanes) => offset,
    };
    let mut failures = 0;
    loop {
        let request = bot.get_updates().offset(offset).limit(BATCH).timeout(POLL_SECS).allowed_updates(wanted());
        let fetched = tokio::select! {
            () = &mut shutdown => break,
            fetched = request.send() => fetched,
        };
        let failure = match fetched {
            Ok(batch) => match inbox.keep(&batch).await {
                Ok(()) => {
                    failures = 0;
                    if let Some(last) = batch.last() {
                        offset = offset_after(last.id.0.into());
                    }
                    for update in batch {
                        lanes.push(update).await;
                    }
                    inbox.forget_handled(&lanes, offset).await;
                    continue;
                }
                // Not confirmed: the next call fetches the same batch again.
                Err(error) => format!("cannot store the updates: {}", errors::chain(&error)),
            },
            Err(error) => format!("getUpdates failed: {}", errors::chain(&error)),
        };
        failures += 1;
        let wait = (Duration::from_millis(250) * 2u32.pow(failures.min(7))).min(MAX_BACKOFF);
        tracing::warn!(error = failure, ?wait, "fetching updates failed");
        tokio::time::sleep(wait).await;
    }
    lanes.drain().await;
    Ok(())
}

/// The inbox of this channel.
struct Inbox {
    store: Store,
    clock: Clock,
    /// Everything below this id is deleted already.
    forgotten_below: i64,
}

impl Inbox {
    /// Hands the updates left from the last run to `lanes`; returns the offset to fetch from.
    async fn replay(&self, lanes: &Lanes) -> i32 {
        let left = async { inbox::stored(&mut *self.store.read().await?, PUSH_CHANNEL).await }.await;
        let left = left.unwrap_or_else(|error| {
            // Telegram still holds whatever was not confirmed; only the rest waits for a restart.
            tracing::error!(error = %error, "the stored updates could not be read");
            Vec::new()
        });
        let mut offset = 0;
        if !left.is_empty() {
            tracing::info!(count = left.len(), "handling the updates stored before the last stop");
        }
        for stored in left {
            offset = offset_after(stored.update_id);
            match serde_json::from_str::<Update>(&stored.body) {
                Ok(update) => lanes.push(update).await,
                Err(error) => tracing::error!(id = stored.update_id, error = %error, "a stored update is unreadable"),
            }
        }
        offset
    }

    /// Stores `batch` before the next getUpdates confirms it.
    async fn keep(&self, batch: &[Update]) -> Result<(), InboxError> {
        let rows = batch
            .iter()
            .map(|update| Ok(Stored { update_id: i64::from(update.id.0), body: serde_json::to_string(update)? }))
            .collect::<Result<Vec<_>, serde_json::Error>>()?;
        let mut conn = self.store.acquire().await?;
        Ok(inbox::keep(&mut conn, PUSH_CHANNEL, &rows, self.clock.now_ms()).await?)
    }

    /// Deletes the stored updates that are handled: all below the oldest in flight, or below
    /// `offset` when none is. A failure only leaves them for the next time.
    async fn forget_handled(&mut self, lanes: &Lanes, offset: i32) {
        let below = lanes.oldest().unwrap_or(i64::from(offset));
        if below <= self.forgotten_below {
            return;
        }
        match async { inbox::forget_below(&mut *self.store.acquire().await?, PUSH_CHANNEL, below).await }.await {
            Ok(_) => self.forgotten_below = below,
            Err(error) => tracing::warn!(error = %error, "handled updates could not be deleted from the inbox"),
        }
    }
}

/// The getUpdates offset that confirms `update_id` and every update before it.
fn offset_after(update_id: i64) -> i32 {
    i32::try_from(update_id).unwrap_or(i32::MAX).saturating_add(1)
}

/// Why a batch could not be stored.
#[derive(Debug, thiserror::Error)]
enum InboxError {
    #[error("the database failed")]
    Store(#[from] StoreError),
    #[error("an update could not be encoded")]
    Json(#[from] serde_json::Error),
}
