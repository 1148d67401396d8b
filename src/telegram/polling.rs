//! Long polling that confirms updates only once they are handled. Telegram forgets every update
//! below the offset of the next getUpdates, so that call waits until the whole batch is handled
//! (and committed): a crash mid-batch makes Telegram hand the batch out again, and updates already
//! handled are recognised by their recorded ids. A batch's chats are handled in parallel, each
//! chat's updates in order.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::*;
use teloxide::types::AllowedUpdate;
use tokio::task::JoinSet;

use super::{TelegramError, updates};
use crate::app::App;

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

/// Polls until `shutdown`; a batch being handled is finished first.
pub async fn run(bot: Bot, app: Arc<App>, shutdown: impl Future<Output = ()>) -> Result<(), TelegramError> {
    // A webhook left from an earlier deployment would make getUpdates fail.
    bot.delete_webhook().await.map_err(|source| TelegramError::Setup { what: "deleteWebhook", source })?;
    tokio::pin!(shutdown);
    let mut offset = 0;
    let mut failures = 0;
    loop {
        let request = bot.get_updates().offset(offset).limit(BATCH).timeout(POLL_SECS).allowed_updates(wanted());
        let batch = tokio::select! {
            () = &mut shutdown => return Ok(()),
            batch = request.send() => batch,
        };
        match batch {
            Ok(batch) => {
                failures = 0;
                if let Some(last) = batch.last() {
                    offset = i32::try_from(last.id.0).unwrap_or(i32::MAX).saturating_add(1);
                }
                handle(&bot, &app, batch).await;
            }
            Err(error) => {
                failures += 1;
                let wait = (Duration::from_millis(250) * 2u32.pow(failures.min(7))).min(MAX_BACKOFF);
                tracing::warn!(error = %error, ?wait, "getUpdates failed");
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// Handles a batch: chats in parallel, each chat's updates in order.
async fn handle(bot: &Bot, app: &Arc<App>, batch: Vec<Update>) {
    let mut chats: HashMap<Option<i64>, Vec<Update>> = HashMap::new();
    for update in batch {
        chats.entry(update.chat().map(|chat| chat.id.0)).or_default().push(update);
    }
    let mut tasks = JoinSet::new();
    for (_, updates) in chats {
        let (bot, app) = (bot.clone(), Arc::clone(app));
        tasks.spawn(async move {
            for update in updates {
                updates::handle(&bot, &app, update).await;
            }
        });
    }
    while let Some(finished) = tasks.join_next().await {
        if let Err(error) = finished {
            tracing::error!(error = %error, "handling a chat's updates failed");
        }
    }
}
