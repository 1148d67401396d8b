//! The inbox of a channel that fetches its updates (Telegram's long polling): a batch is stored
//! here before the channel confirms it, so that an update survives a crash between the
//! confirmation and its handling; at start the stored updates are handled first (those handled
//! before the crash are recognised by their recorded ids), and handled ones are forgotten.

use serde::Serialize;

use crate::clock::Clock;
use crate::store::Store;
use crate::store::inbox::{self, Stored};

use super::DeliveryError;

/// The updates of one channel fetched but perhaps not handled yet.
#[derive(Debug)]
pub struct Inbox {
    store: Store,
    clock: Clock,
    channel: &'static str,
    /// Everything below this id is deleted already.
    forgotten_below: i64,
}

impl Inbox {
    pub(super) fn new(store: Store, clock: Clock, channel: &'static str) -> Self {
        Self { store, clock, channel, forgotten_below: 0 }
    }

    /// The updates left from the last run, oldest first, as (id, body). A failure is logged and
    /// gives none: the channel still holds whatever was not confirmed, and only the rest waits
    /// for the next start.
    pub async fn left(&self) -> Vec<(i64, String)> {
        let left = async { inbox::stored(&mut *self.store.read().await?, self.channel).await }.await;
        let left = left.unwrap_or_else(|error| {
            tracing::error!(error = %error, "the stored updates could not be read");
            Vec::new()
        });
        if !left.is_empty() {
            tracing::info!(count = left.len(), "handling the updates stored before the last stop");
        }
        left.into_iter().map(|stored| (stored.update_id, stored.body)).collect()
    }

    /// Stores a batch of (id, update) as JSON before the channel is told it arrived.
    pub async fn keep<'a, T: Serialize + 'a>(
        &self,
        batch: impl IntoIterator<Item = (i64, &'a T)>,
    ) -> Result<(), DeliveryError> {
        let rows = batch
            .into_iter()
            .map(|(update_id, update)| Ok(Stored { update_id, body: serde_json::to_string(update)? }))
            .collect::<Result<Vec<_>, serde_json::Error>>()?;
        let mut conn = self.store.acquire().await?;
        Ok(inbox::keep(&mut conn, self.channel, &rows, self.clock.now_ms()).await?)
    }

    /// Deletes the stored updates below `below` (all handled). A failure only leaves them for the
    /// next time.
    pub async fn forget_below(&mut self, below: i64) {
        if below <= self.forgotten_below {
            return;
        }
        match async { inbox::forget_below(&mut *self.store.acquire().await?, self.channel, below).await }.await {
            Ok(_) => self.forgotten_below = below,
            Err(error) => tracing::warn!(error = %error, "handled updates could not be deleted from the inbox"),
        }
    }
}
