//! Delivery: what every channel needs to receive updates once and to get messages to users. The
//! inbox keeps updates fetched but not yet handled; the outbox keeps messages nobody asked for
//! (queued in the transaction of the change they report) until the channel's sender has them
//! out; handled updates are forgotten once the channel no longer redelivers them; the health
//! figures say how much waits. A channel plugs in by implementing [`Channel`].

mod channel;
mod inbox;
mod outbox;

use std::time::Duration;

pub use channel::{Channel, Channels, Failure, Profile, Reach};
pub use inbox::Inbox;
pub use outbox::LEASE;

use crate::clock::Clock;
use crate::dialog::flow::MAX_FILE_BYTES;
use crate::dialog::value::FileRef;
use crate::files::FileStore;
use crate::reply::Reply;
use crate::store::{self, Store, StoreError, Tx};

/// How often a direct reply is tried before it is given up.
const REPLY_ATTEMPTS: u32 = 5;

/// Why delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The database failed.
    #[error("the database failed")]
    Store(#[from] StoreError),
    /// An update could not be written for the inbox.
    #[error("an update could not be encoded")]
    Json(#[from] serde_json::Error),
    /// The channel would not hand over a file.
    #[error("the channel failed")]
    Channel(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A received file could not be kept.
    #[error("the files directory failed")]
    Files(#[from] std::io::Error),
}

/// A chat on a channel: where a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chat {
    /// The channel's name.
    pub channel: String,
    /// The chat's id on it.
    pub id: String,
}

/// A message as a channel receives it: an [`Input`](crate::bot::Input) whose file is still on
/// the channel's servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// Typed text.
    Text(String),
    /// A pressed button's data.
    Button(String),
    /// A file.
    File(RemoteFile),
}

/// A file a user sent, still on the channel's servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    /// The channel's id for it.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its MIME type.
    pub mime: String,
    /// Its size in bytes, as the channel reports it.
    pub size: u64,
}

/// How much waits to be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// Messages in the outbox neither sent nor given up.
    pub unsent: i64,
}

/// Delivery over the bot's store, clock and files.
#[derive(Debug, Clone)]
pub struct Delivery {
    store: Store,
    clock: Clock,
    files: FileStore,
}

impl Delivery {
    /// Delivery keeping its rows in `store` and received files in `files`.
    pub fn new(store: Store, clock: Clock, files: FileStore) -> Self {
        Self { store, clock, files }
    }

    /// The inbox of the channel named `channel`.
    pub fn inbox(&self, channel: &'static str) -> Inbox {
        Inbox::new(self.store.clone(), self.clock, channel)
    }

    /// Sends the outbox of `channel` through it until `stop` turns true, as `worker`; the batch
    /// in hand is finished first. A channel that cannot push has no sender: its users' pages fetch
    /// what is queued for them.
    pub async fn send_outbox(&self, channel: &impl Channel, worker: &str, stop: tokio::sync::watch::Receiver<bool>) {
        if channel.can_push() {
            outbox::run(channel, &self.store, self.clock, worker, stop).await;
        }
    }

    /// How much waits to be delivered; an error when the database does not answer.
    pub async fn health(&self) -> Result<Health, StoreError> {
        let mut conn = self.store.read().await?;
        Ok(Health { unsent: store::outbox::unsent(&mut conn).await? })
    }

    /// Fetches a file a user sent into the files directory. A file over the size limit is not
    /// fetched (the channel would refuse anyway): its reference has no location, and the form
    /// explains the limit.
    pub async fn fetch_file(&self, channel: &impl Channel, remote: RemoteFile) -> Result<FileRef, DeliveryError> {
        if remote.size > MAX_FILE_BYTES {
            return Ok(FileRef::unkept(remote.name, remote.mime, remote.size));
        }
        let bytes = channel.fetch(&remote.id).await.map_err(|error| DeliveryError::Channel(Box::new(error)))?;
        let mut kept = self.files.keep(&remote.name, &bytes)?;
        kept.mime = remote.mime;
        Ok(kept)
    }

    /// Sends `replies` to `chat` in order, each retried a few times while the channel fails in
    /// passing. These answer a user's own message, far below any rate limit, so they go at once
    /// and are not kept (the outbox has its own, persistent retries).
    pub async fn reply(&self, channel: &impl Channel, chat: &str, replies: &[Reply]) {
        for reply in replies {
            send_with_retries(channel, chat, reply).await;
        }
    }
}

/// Queues `reply` for `chat` in the transaction of the change it reports, so that it exists
/// exactly when the change does.
pub async fn enqueue(tx: &mut Tx, chat: &Chat, reply: &Reply, now: i64) -> Result<(), StoreError> {
    let payload =
        serde_json::to_string(reply).map_err(|source| StoreError::Encode { what: "an outbox message", source })?;
    store::outbox::enqueue(tx, &chat.channel, &chat.id, &payload, now).await?;
    Ok(())
}

async fn send_with_retries(channel: &impl Channel, chat: &str, reply: &Reply) {
    for attempt in 0..REPLY_ATTEMPTS {
        match channel.send(chat, reply).await {
            Ok(()) => return,
            Err(error) => match channel.classify(&error, attempt) {
                Failure::Retry(wait) if attempt + 1 < REPLY_ATTEMPTS => {
                    tracing::warn!(chat, error = %error, ?wait, "retrying a reply");
                    tokio::time::sleep(wait).await;
                }
                _ => {
                    tracing::error!(chat, error = %error, "a reply could not be delivered");
                    return;
                }
            },
        }
    }
}

/// A backoff that doubles from 250 ms with each failed attempt (up to about a minute).
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 * 2u64.pow(attempt.min(8)))
}
