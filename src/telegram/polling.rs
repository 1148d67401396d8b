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

use super::channel::Telegram;
use super::lanes::Lanes;
use super::{PROFILE, TelegramError};
use crate::delivery::{self, Inbox};
use crate::{bot, errors};

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
pub async fn run(
    telegram: Arc<Telegram<Bot>>,
    core: bot::Bot,
    shutdown: impl Future<Output = ()>,
) -> Result<(), TelegramError> {
    let bot = telegram.bot().clone();
    // A webhook left from an earlier deployment would make getUpdates fail.
    bot.delete_webhook().await.map_err(|source| TelegramError::Setup { what: "deleteWebhook", source })?;
    let mut inbox = core.delivery().inbox(PROFILE.name);
    let lanes = Lanes::new(telegram, core);
    tokio::pin!(shutdown);
    let mut offset = tokio::select! {
        () = &mut shutdown => return Ok(()),
        offset = replay(&inbox, &lanes) => offset,
    };
    let mut failures = 0;
    loop {
        let request = bot.get_updates().offset(offset).limit(BATCH).timeout(POLL_SECS).allowed_updates(wanted());
        let fetched = tokio::select! {
            () = &mut shutdown => break,
            fetched = request.send() => fetched,
        };
        let failure = match fetched {
            Ok(batch) => match inbox.keep(batch.iter().map(|update| (i64::from(update.id.0), update))).await {
                Ok(()) => {
                    failures = 0;
                    if let Some(last) = batch.last() {
                        offset = offset_after(last.id.0.into());
                    }
                    for update in batch {
                        lanes.push(update).await;
                    }
                    // Handled are all below the oldest in flight, or below `offset` when none is.
                    inbox.forget_below(lanes.oldest().unwrap_or(i64::from(offset))).await;
                    continue;
                }
                // Not confirmed: the next call fetches the same batch again.
                Err(error) => format!("cannot store the updates: {}", errors::chain(&error)),
            },
            Err(error) => format!("getUpdates failed: {}", errors::chain(&error)),
        };
        failures += 1;
        let wait = delivery::backoff(failures).min(MAX_BACKOFF);
        tracing::warn!(error = failure, ?wait, "fetching updates failed");
        tokio::time::sleep(wait).await;
    }
    lanes.drain().await;
    Ok(())
}

/// Hands the updates left in the inbox from the last run to `lanes`; the offset to fetch from.
async fn replay(inbox: &Inbox, lanes: &Lanes) -> i32 {
    let mut offset = 0;
    for (id, body) in inbox.left().await {
        offset = offset_after(id);
        match serde_json::from_str::<Update>(&body) {
            Ok(update) => lanes.push(update).await,
            Err(error) => tracing::error!(id, error = %error, "a stored update is unreadable"),
        }
    }
    offset
}

/// The getUpdates offset that confirms `update_id` and every update before it.
fn offset_after(update_id: i64) -> i32 {
    i32::try_from(update_id).unwrap_or(i32::MAX).saturating_add(1)
}
