//! Forgetting what delivery no longer needs, after a retention period (30 days unless configured):
//! messages sent, updates fetched and handled long ago, the ids of handled updates, and the web
//! chat's conversations. Recent history stays for staff and for debugging; the tables stop growing
//! with every message. Messages not sent (waiting, or given up on for staff to see) are kept.

use std::time::Duration;

use tokio::sync::watch;

use super::Delivery;
use crate::store::{StoreError, chat_history, inbox, outbox, updates};

/// How long sent messages, handled updates and their ids are kept unless configured otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
/// The shortest retention allowed: Telegram redelivers an update for up to 24 hours, and its id
/// must be remembered for longer than that.
pub const MIN_RETENTION_DAYS: u32 = 2;
/// How often the old rows are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// How many rows one pass deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pruned {
    /// Messages sent before the retention period.
    pub sent: u64,
    /// Updates fetched before it (a running poller deletes those it handled at once; these are
    /// left from a poller that stopped for good).
    pub inbox: u64,
    /// Ids of updates handled before it.
    pub updates: u64,
    /// Entries of web chat conversations made before it.
    pub conversations: u64,
}

/// A retention period in days, at least [`MIN_RETENTION_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention(u32);

impl Retention {
    /// `days`, if long enough.
    pub fn days(days: u32) -> Result<Self, String> {
        if days < MIN_RETENTION_DAYS {
            return Err(format!(
                "{days} days is too short: handled update ids must be kept at least {MIN_RETENTION_DAYS} days"
            ));
        }
        Ok(Self(days))
    }

    fn millis(self) -> i64 {
        i64::from(self.0) * 24 * 3600 * 1000
    }
}

impl Default for Retention {
    fn default() -> Self {
        Self(DEFAULT_RETENTION_DAYS)
    }
}

impl std::fmt::Display for Retention {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for Retention {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::days(text.trim().parse().map_err(|_| format!("{text:?} is not a number of days"))?)
    }
}

impl Delivery {
    /// Deletes what is older than `retention`, once.
    pub async fn prune(&self, retention: Retention) -> Result<Pruned, StoreError> {
        let before = self.clock.now_ms() - retention.millis();
        let mut conn = self.store.acquire().await?;
        Ok(Pruned {
            sent: outbox::forget_sent(&mut conn, before).await?,
            inbox: inbox::forget_received(&mut conn, before).await?,
            updates: updates::prune(&mut conn, before).await?,
            conversations: chat_history::prune(&mut conn, before).await?,
        })
    }

    /// Prunes every hour until `stop` turns true.
    pub async fn keep_pruning(&self, retention: Retention, mut stop: watch::Receiver<bool>) {
        while !*stop.borrow() {
            match self.prune(retention).await {
                Ok(pruned) if pruned != Pruned::default() => tracing::info!(?pruned, "old delivery rows deleted"),
                Ok(_) => {}
                Err(error) => tracing::warn!(error = %error, "old delivery rows could not be deleted"),
            }
            tokio::select! {
                () = tokio::time::sleep(PRUNE_EVERY) => {}
                _ = stop.changed() => {}
            }
        }
    }
}
