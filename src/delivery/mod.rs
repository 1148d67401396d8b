//! Delivery: what every channel needs to receive updates once and to get messages to users. The
//! inbox keeps updates fetched but not yet handled; the outbox keeps messages nobody asked for
//! (queued in the transaction of the change they report) until the channel's sender has them
//! out; what is sent or handled is forgotten after a retention period; the health figures say
//! how much waits. A channel plugs in by implementing [`Channel`].

mod channel;
mod inbox;
mod outbox;
mod retention;

use std::time::Duration;

pub use channel::{Channel, Channels, Failure, Profile, Reach, Unsent};
pub use inbox::Inbox;
pub use outbox::LEASE;
pub use retention::{DEFAULT_RETENTION_DAYS, MIN_RETENTION_DAYS, Pruned, Retention};

use crate::clock::Clock;
use crate::dialog::flow::MAX_FILE_BYTES;
use crate::dialog::value::FileRef;
use crate::files::FileStore;
use crate::reply::Reply;
use crate::store::{self, Statement, Store, StoreError};

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

    /// Fetches a file a user sent into the files directory, typed by its content. A file over the size limit is not
    /// fetched (the channel would refuse anyway): its reference has no location, and the form
    /// explains the limit.
    pub async fn fetch_file(&self, channel: &impl Channel, remote: RemoteFile) -> Result<FileRef, DeliveryError> {
        if remote.size > MAX_FILE_BYTES {
            return Ok(FileRef::unkept(remote.name, remote.mime, remote.size));
        }
        let bytes = channel.fetch(&remote.id).await.map_err(|error| DeliveryError::Channel(Box::new(error)))?;
        // The type is the content's, not what the channel or the file's name claims.
        Ok(self.files.keep(&remote.name, &bytes)?)
    }

    /// Sends `replies` to `chat` in order (as many at once as the channel takes), each retried a
    /// few times while the channel fails in passing. These answer a user's own message, far below
    /// any rate limit, so they go at once and are not kept (the outbox has its own, persistent
    /// retries).
    pub async fn reply(&self, channel: &impl Channel, chat: &str, replies: &[Reply]) {
        // The attempts of the first reply not sent yet.
        let (mut rest, mut attempt) = (replies, 0);
        while !rest.is_empty() {
            let Err(Unsent { sent, error }) = channel.send_all(chat, rest).await else { return };
            if sent > 0 {
                (rest, attempt) = (rest.get(sent..).unwrap_or_default(), 0);
            }
            match channel.classify(&error, attempt) {
                Failure::Retry(wait) if attempt + 1 < REPLY_ATTEMPTS => {
                    tracing::warn!(chat, error = %error, ?wait, "retrying a reply");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                _ => {
                    tracing::error!(chat, error = %error, "a reply could not be delivered");
                    (rest, attempt) = (rest.get(1..).unwrap_or_default(), 0);
                }
            }
        }
    }
}

/// The statement queueing `reply` for `chat`, to commit with the change it reports, so that it
/// exists exactly when the change does.
pub fn enqueue(chat: &Chat, reply: &Reply, now: i64) -> Result<Statement, StoreError> {
    let payload =
        serde_json::to_string(reply).map_err(|source| StoreError::Encode { what: "an outbox message", source })?;
    Ok(store::outbox::enqueue(&chat.channel, &chat.id, &payload, now))
}

/// A backoff that doubles from 250 ms with each failed attempt (up to about a minute).
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 * 2u64.pow(attempt.min(8)))
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use tokio::sync::watch;

    use super::*;

    /// A channel that records what it sends and fails as it is told to.
    struct Recorder {
        profile: Profile,
        sent: Mutex<Vec<(String, String)>>,
        /// How the next sends go: `None` goes through; without any, all do.
        outcomes: Mutex<VecDeque<Option<Failure>>>,
        fetched: AtomicUsize,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("the channel failed ({0:?})")]
    struct Refused(Failure);

    impl Recorder {
        fn new(name: &'static str, reach: Reach, failures: impl IntoIterator<Item = Failure>) -> Self {
            Self::with_outcomes(name, reach, failures.into_iter().map(Some))
        }

        fn with_outcomes(
            name: &'static str,
            reach: Reach,
            outcomes: impl IntoIterator<Item = Option<Failure>>,
        ) -> Self {
            Self {
                profile: Profile { name, reach, rate_limited: true },
                sent: Mutex::default(),
                outcomes: Mutex::new(outcomes.into_iter().collect()),
                fetched: AtomicUsize::new(0),
            }
        }

        fn sent(&self) -> Vec<(String, String)> {
            self.sent.lock().unwrap().clone()
        }
    }

    impl Channel for Recorder {
        type Error = Refused;

        fn profile(&self) -> Profile {
            self.profile
        }

        async fn send(&self, chat: &str, reply: &Reply) -> Result<(), Refused> {
            if let Some(Some(failure)) = self.outcomes.lock().unwrap().pop_front() {
                return Err(Refused(failure));
            }
            self.sent.lock().unwrap().push((chat.to_owned(), reply.text.clone()));
            Ok(())
        }

        async fn fetch(&self, _file: &str) -> Result<Vec<u8>, Refused> {
            self.fetched.fetch_add(1, Ordering::Relaxed);
            Ok(b"%PDF-1.4".to_vec())
        }

        fn classify(&self, error: &Refused, _attempt: u32) -> Failure {
            error.0
        }
    }

    async fn delivery(dir: &tempfile::TempDir) -> Delivery {
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("bot.db").display())).await.unwrap();
        Delivery::new(store, Clock::System, FileStore::open(dir.path().join("files")).unwrap())
    }

    const SOON: Failure = Failure::Retry(Duration::from_millis(1));

    #[tokio::test]
    async fn replies_are_retried_while_the_channel_fails_in_passing_and_given_up_when_it_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let delivery = delivery(&dir).await;
        let channel = Recorder::new("web", Reach::Pull, [SOON, SOON, Failure::Permanent]);
        delivery.reply(&channel, "7", &[Reply::text("one"), Reply::text("two")]).await;
        assert_eq!(channel.sent(), [("7".to_owned(), "two".to_owned())], "one went on the third try, two was refused");
        let channel = Recorder::new("web", Reach::Pull, [SOON; REPLY_ATTEMPTS as usize]);
        delivery.reply(&channel, "7", &[Reply::text("lost")]).await;
        assert!(channel.sent().is_empty(), "given up after {REPLY_ATTEMPTS} attempts");
    }

    #[tokio::test]
    async fn each_reply_has_its_own_attempts_when_the_channel_sends_several_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let delivery = delivery(&dir).await;
        // One goes on its last attempt, in the call that then fails on two: two has attempts of
        // its own.
        let failing = [Some(SOON); REPLY_ATTEMPTS as usize - 1];
        let outcomes = failing.into_iter().chain([None]).chain(failing);
        let channel = Recorder::with_outcomes("web", Reach::Pull, outcomes);
        delivery.reply(&channel, "7", &[Reply::text("one"), Reply::text("two")]).await;
        let sent: Vec<String> = channel.sent().into_iter().map(|(_, text)| text).collect();
        assert_eq!(sent, ["one", "two"]);
    }

    #[tokio::test]
    async fn a_file_over_the_limit_is_not_fetched_and_one_under_it_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let delivery = delivery(&dir).await;
        let channel = Recorder::new("web", Reach::Pull, []);
        let remote =
            |size| RemoteFile { id: "f1".into(), name: "scan.pdf".into(), mime: "application/pdf".into(), size };
        let large = delivery.fetch_file(&channel, remote(MAX_FILE_BYTES + 1)).await.unwrap();
        assert_eq!(
            (large.location.as_str(), large.size, channel.fetched.load(Ordering::Relaxed)),
            ("", MAX_FILE_BYTES + 1, 0)
        );
        let kept = delivery.fetch_file(&channel, remote(8)).await.unwrap();
        assert_eq!((kept.mime.as_str(), kept.size), ("application/pdf", 8));
        assert_eq!(std::fs::read(&kept.location).unwrap(), b"%PDF-1.4");
    }

    #[tokio::test]
    async fn the_outbox_goes_out_through_a_pushing_channel_and_waits_for_one_that_cannot_push() {
        let dir = tempfile::tempdir().unwrap();
        let delivery = delivery(&dir).await;
        let mut script = store::Script::default();
        for (channel, chat, text) in
            [("push", "a", "a1"), ("push", "a", "a2"), ("push", "b", "b1"), ("pull", "c", "c1")]
        {
            let chat = Chat { channel: channel.to_owned(), id: chat.to_owned() };
            script.push(enqueue(&chat, &Reply::text(text), 0).unwrap());
        }
        script.commit(&delivery.store).await.unwrap();

        let pull = Recorder::new("pull", Reach::Pull, []);
        let (_stop, stopped) = watch::channel(false);
        delivery.send_outbox(&pull, "host/test", stopped).await;
        assert!(pull.sent().is_empty(), "a page fetches its own");

        let push = Arc::new(Recorder::new("push", Reach::Push, [Failure::Permanent]));
        let (stop, stopped) = watch::channel(false);
        let sender = tokio::spawn({
            let (delivery, push) = (delivery.clone(), Arc::clone(&push));
            async move { delivery.send_outbox(&*push, "host/test", stopped).await }
        });
        while delivery.health().await.unwrap().unsent > 1 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stop.send(true).unwrap();
        sender.await.unwrap();
        let mut sent = push.sent();
        sent.sort();
        let sent: Vec<(&str, &str)> = sent.iter().map(|(chat, text)| (chat.as_str(), text.as_str())).collect();
        assert_eq!(sent, [("a", "a2"), ("b", "b1")], "a1, claimed first, was refused for good; a2 went after it");
        assert_eq!(delivery.health().await.unwrap(), Health { unsent: 1 }, "the pull channel's message waits");
    }
}
