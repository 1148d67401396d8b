//! The outbox sender: claims the messages due on one channel, sends them through it, and marks
//! each sent — or schedules another attempt as the channel's classification of the failure says.
//! A claim is a lease: a sender that dies leaves its messages to be claimed again, so the outbox
//! is at-least-once.

use std::time::Duration;

use tokio::sync::watch;

use super::{Channel, Failure};
use crate::clock::Clock;
use crate::reply::Reply;
use crate::store::outbox::{self, Pending};
use crate::store::{Store, StoreError};

/// How long a claim is held: longer than any send — including a wait in a channel's own rate
/// limiter behind a group's 20 messages per minute — so that a message is never claimed again
/// while still on its way; short enough to recover from a dead sender.
pub const LEASE: Duration = Duration::from_secs(90);
/// Messages claimed at once.
const BATCH: i64 = 50;
/// How long the sender sleeps when nothing is due.
const IDLE: Duration = Duration::from_millis(100);
/// Attempts before a message is given up on.
const MAX_ATTEMPTS: i64 = 20;

/// Sends the outbox of `channel` until `stop` turns true; the batch in hand is finished first.
pub(super) async fn run(
    channel: &impl Channel,
    store: &Store,
    clock: Clock,
    worker: &str,
    mut stop: watch::Receiver<bool>,
) {
    match release(store, worker).await {
        Ok(0) => {}
        Ok(released) => tracing::warn!(released, "resending what this instance had in hand when it last stopped"),
        Err(error) => tracing::warn!(error = %error, "could not release earlier claims"),
    }
    while !*stop.borrow() {
        let now = clock.now_ms();
        match claim(store, channel.profile().name, worker, now).await {
            Ok(batch) if batch.is_empty() => {
                tokio::select! {
                    () = tokio::time::sleep(IDLE) => {}
                    _ = stop.changed() => {}
                }
            }
            // One message per chat in a batch, so they may all go at once; the channel paces them.
            Ok(batch) => {
                futures::future::join_all(batch.into_iter().map(|pending| deliver(channel, store, clock, pending)))
                    .await;
            }
            Err(error) => {
                tracing::error!(error = %error, "could not claim outbox messages");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn claim(store: &Store, channel: &str, worker: &str, now: i64) -> Result<Vec<Pending>, StoreError> {
    let mut tx = store.begin().await?;
    let batch = outbox::claim(&mut tx, channel, worker, now, LEASE.as_millis() as i64, BATCH).await?;
    tx.commit().await?;
    Ok(batch)
}

async fn release(store: &Store, worker: &str) -> Result<u64, StoreError> {
    let mut conn = store.acquire().await?;
    outbox::release(&mut conn, worker).await
}

/// Sends one message and records the outcome.
async fn deliver(channel: &impl Channel, store: &Store, clock: Clock, pending: Pending) {
    let outcome = match serde_json::from_str::<Reply>(&pending.payload) {
        Ok(reply) => channel.send(&pending.chat, &reply).await.map_err(|error| {
            let failure = channel.classify(&error, pending.attempts.clamp(0, 8) as u32);
            (error.to_string(), failure)
        }),
        Err(_) => Err(("unreadable outbox row".to_owned(), Failure::Permanent)),
    };
    let now = clock.now_ms();
    let result = async {
        let mut conn = store.acquire().await?;
        match outcome {
            Ok(()) => outbox::mark_sent(&mut conn, pending.id, now).await,
            Err((error, Failure::Retry(wait))) if pending.attempts + 1 < MAX_ATTEMPTS => {
                tracing::warn!(id = pending.id, error, ?wait, "outbox message will be retried");
                outbox::retry_later(&mut conn, pending.id, now + wait.as_millis() as i64, &error).await
            }
            Err((error, _)) => {
                tracing::error!(id = pending.id, error, "outbox message given up");
                outbox::give_up(&mut conn, pending.id, &error, now).await
            }
        }
    }
    .await;
    if let Err(error) = result {
        // The lease expires and another attempt is made: at worst the message goes twice.
        tracing::error!(id = pending.id, error = %error, "could not record an outbox result");
    }
}
