//! What the core needs of a channel ([`Channel`]): send replies to a chat (several at once where
//! it can), fetch a file a user sent, tell a passing failure from a final one; and what it can do
//! ([`Profile`]), which the core also knows of channels that are not running in this process
//! ([`Channels`]).

use std::future::Future;
use std::time::Duration;

use crate::reply::Reply;

/// How messages nobody asked for (a status change, a new application for staff) reach a
/// channel's users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The channel sends them at once (a messenger): the outbox sender pushes them.
    Push,
    /// They wait in the outbox until the user's page fetches them (a web chat cannot push to a
    /// closed page).
    Pull,
    /// They cannot reach the user at all (the terminal chat): only replies to the user's own
    /// messages do, and nothing is queued.
    RepliesOnly,
}

/// A channel as the core knows it, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// The channel's name, which users, updates and outbox rows are stored under.
    pub name: &'static str,
    /// How messages nobody asked for reach its users.
    pub reach: Reach,
    /// Whether anyone may write to the bot on it (a messenger, a public page), so that each user
    /// is rate-limited; a local terminal is one trusted user.
    pub rate_limited: bool,
}

/// The channels this deployment has, by name: what the core looks up for a user it knows only
/// by the channel name stored with them. A channel not listed can only be replied to and is not
/// rate-limited.
#[derive(Debug, Clone, Default)]
pub struct Channels(Vec<Profile>);

impl Channels {
    /// The channels of `profiles`.
    pub fn new(profiles: impl IntoIterator<Item = Profile>) -> Self {
        Self(profiles.into_iter().collect())
    }

    /// The profile of the channel named `name`, if it is listed.
    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.0.iter().find(|profile| profile.name == name)
    }

    /// Whether messages nobody asked for can reach users of `name` (pushed, or kept for them to
    /// fetch).
    pub fn takes_unasked(&self, name: &str) -> bool {
        self.get(name).is_some_and(|profile| profile.reach != Reach::RepliesOnly)
    }

    /// Whether each user of `name` is rate-limited.
    pub fn rate_limited(&self, name: &str) -> bool {
        self.get(name).is_some_and(|profile| profile.rate_limited)
    }
}

/// How a failed request to a channel should be handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Try again after this long (a rate limit, a server or network error).
    Retry(Duration),
    /// The channel will never accept it (the user blocked the bot, the chat does not exist).
    Permanent,
}

/// Replies of which the first `sent` went out before `error` stopped the rest.
#[derive(Debug)]
pub struct Unsent<E> {
    /// How many went out.
    pub sent: usize,
    /// What stopped the next one.
    pub error: E,
}

/// A channel the core sends through: Telegram now; the web chat and the staff console will
/// implement the same.
pub trait Channel: Send + Sync {
    /// Why a request to the channel failed.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The channel's name and what it can do.
    fn profile(&self) -> Profile;

    /// Sends `reply` to `chat` once (as one or more messages); the first error ends it.
    fn send(&self, chat: &str, reply: &Reply) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Sends `replies` to `chat` once, in order; the first error ends it. A channel that takes
    /// several at once (the web chat keeps them in one statement) does so here.
    fn send_all(&self, chat: &str, replies: &[Reply]) -> impl Future<Output = Result<(), Unsent<Self::Error>>> + Send {
        async move {
            for (sent, reply) in replies.iter().enumerate() {
                self.send(chat, reply).await.map_err(|error| Unsent { sent, error })?;
            }
            Ok(())
        }
    }

    /// The bytes of a file a user sent, by the channel's id for it.
    fn fetch(&self, file: &str) -> impl Future<Output = Result<Vec<u8>, Self::Error>> + Send;

    /// Whether a failed request is worth another attempt, and when; `attempt` counts the
    /// attempts that failed before this one.
    fn classify(&self, error: &Self::Error, attempt: u32) -> Failure;

    /// Whether the channel sends messages nobody asked for as they come.
    fn can_push(&self) -> bool {
        self.profile().reach == Reach::Push
    }
}
