//! SQLite's WAL checkpoints, run in the background: left to SQLite, the commit that crosses its
//! threshold copies the log into the database file and waits for the fsync, inside whichever
//! request made that commit.

use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::oneshot;

/// How often the log is copied back. Between two runs a busy chat writes a few thousand pages,
/// many of them the same pages again, which one copy then writes once.
const INTERVAL: Duration = Duration::from_millis(500);

/// Keeps the checkpoints running; they stop when the last clone is dropped or the pool closes.
#[derive(Debug, Clone)]
pub struct Checkpoints {
    _running: Arc<oneshot::Sender<()>>,
}

/// Starts checkpointing the database of `pool` every [`INTERVAL`] (`PASSIVE`: it never waits for
/// or blocks a reader or a writer).
pub fn start(pool: AnyPool) -> Checkpoints {
    let (keep, mut dropped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = &mut dropped => break,
                _ = ticks.tick() => {}
            }
            if pool.is_closed() {
                break;
            }
            if let Err(err) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                tracing::warn!(error = %err, "cannot checkpoint the database's write-ahead log");
            }
        }
    });
    Checkpoints { _running: Arc::new(keep) }
}
