//! [`Bot`]: the entry every channel uses. A message is handled under its user's lock, after the
//! rate limit; a turn that lost a race with another instance is run again from a fresh read; an
//! update handled before is recognised and ignored; the open forms this instance saved last are
//! cached.

use std::sync::Arc;
use std::time::Instant;

use super::cache::SessionCache;
use super::locks::Locks;
use super::ratelimit::{RateLimiter, Verdict};
use super::sender::Staff;
use super::tally::Tallies;
use super::turn::{Turn, UpdateId};
use super::{BotError, Input, Sender, effects};
use crate::clock::Clock;
use crate::delivery::{Channel, Channels, Delivery, Incoming};
use crate::dialog::Flows;
use crate::errors;
use crate::files::FileStore;
use crate::lang::Lang;
use crate::messages::{Message, keys};
use crate::notify::Notifier;
use crate::policy::Policy;
use crate::reply::Reply;
use crate::staff::Review;
use crate::store::questions;
use crate::store::sessions::Session;
use crate::store::users::{self, User};
use crate::store::{Store, StoreError};

/// How often a message is handled again after losing a race with a concurrent change.
const ATTEMPTS: usize = 3;

/// The bot: the policy, the forms, the store, and the rules that connect them.
#[derive(Debug, Clone)]
pub struct Bot {
    inner: Arc<Inner>,
}

/// What a bot is made of.
#[derive(Debug)]
pub struct Parts {
    /// The policy it answers from.
    pub policy: Arc<Policy>,
    /// The forms it runs.
    pub flows: Arc<Flows>,
    /// Where it keeps its state.
    pub store: Store,
    /// Where received files are kept.
    pub files: FileStore,
    /// Who the staff are.
    pub staff: Staff,
    /// The channels of the deployment and what each can do.
    pub channels: Channels,
    /// The time.
    pub clock: Clock,
}

/// A handled message: its replies, and where its user stands after it.
#[derive(Debug)]
pub struct Handled {
    /// The replies, in order.
    pub replies: Vec<Reply>,
    /// The user and their open form as the message left them, so that a channel showing them
    /// need not read them again; `None` when the message was not handled to its end (a failure,
    /// the rate limit, a redelivery): the store has them.
    pub state: Option<(User, Option<Session>)>,
}

impl Handled {
    /// The replies to a message not handled to its end.
    fn unfinished(replies: Vec<Reply>) -> Self {
        Self { replies, state: None }
    }
}

/// What every turn works with.
#[derive(Debug)]
pub(super) struct Inner {
    pub(super) policy: Arc<Policy>,
    pub(super) flows: Arc<Flows>,
    pub(super) store: Store,
    pub(super) staff: Staff,
    channels: Channels,
    pub(super) notifier: Notifier,
    pub(super) review: Review,
    delivery: Delivery,
    pub(super) clock: Clock,
    locks: Locks,
    cache: SessionCache,
    limiter: RateLimiter,
    /// Counts for the console's figures, not yet written.
    pub(super) tallies: Tallies,
    /// The limiter's time base: monotonic, unlike the injected clock (fixed in tests, or set back).
    started: Instant,
}

impl Bot {
    /// A bot of `parts`.
    pub fn new(parts: Parts) -> Self {
        let Parts { policy, flows, store, files, staff, channels, clock } = parts;
        let notifier = Notifier::new(Arc::clone(&policy), staff.chat(), channels.clone());
        let review = Review::new(store.clone(), Arc::clone(&flows), notifier.clone(), clock);
        let delivery = Delivery::new(store.clone(), clock, files);
        let (locks, cache) = (Locks::default(), SessionCache::default());
        let (limiter, started) = (RateLimiter::default(), Instant::now());
        let inner = Inner {
            policy,
            flows,
            store,
            staff,
            channels,
            notifier,
            review,
            delivery,
            clock,
            locks,
            cache,
            limiter,
            tallies: Tallies::default(),
            started,
        };
        Self { inner: Arc::new(inner) }
    }

    /// The policy the bot answers from.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// The forms.
    pub fn flows(&self) -> &Flows {
        &self.inner.flows
    }

    /// The time, as the bot reads it.
    pub fn clock(&self) -> Clock {
        self.inner.clock
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Staff review over the bot's store and forms.
    pub fn review(&self) -> &Review {
        &self.inner.review
    }

    /// The logged questions (see [`crate::staff::questions`]) asked at or after `since` (epoch
    /// ms), oldest first, at most `limit`.
    pub async fn question_log(&self, since: i64, limit: i64) -> Result<Vec<questions::Question>, BotError> {
        Ok(questions::since(&mut *self.inner.store.read().await?, since, limit).await?)
    }

    /// Delivery over the bot's store and files, for the channels.
    pub fn delivery(&self) -> &Delivery {
        &self.inner.delivery
    }

    /// Whether the bot listens to `sender`'s chat: their own, or the staff chat (any other group
    /// the bot is added to is ignored).
    pub fn listens_to(&self, sender: &Sender) -> bool {
        self.inner.staff.is_private_or_staff_chat(sender)
    }

    /// The one path of a message from a channel: a file it carries is fetched, the message is
    /// handled once (see [`handle_update`](Self::handle_update)), and the replies go back to its
    /// chat. A file that cannot be fetched is answered with a request to send it again.
    pub async fn receive(&self, channel: &impl Channel, sender: &Sender, incoming: Incoming, update_id: i64) {
        let delivery = &self.inner.delivery;
        let input = match incoming {
            Incoming::Text(text) => Input::Text(text),
            Incoming::Button(data) => Input::Button(data),
            Incoming::File(remote) => match delivery.fetch_file(channel, remote).await {
                Ok(file) => Input::File(file),
                Err(error) => {
                    tracing::warn!(error = %errors::chain(&error), "a file could not be fetched");
                    let lang = sender.lang.unwrap_or_default();
                    let sorry = Reply::text(Message::FileNotReceived.render(lang, self.policy()));
                    delivery.reply(channel, &sender.chat, &[sorry]).await;
                    return;
                }
            },
        };
        let replies = self.handle_update(sender, input, update_id).await;
        delivery.reply(channel, &sender.chat, &replies).await;
    }

    /// Sets the language of `sender` (the terminal chat's `--lang`).
    pub async fn set_language(&self, sender: &Sender, lang: Lang) -> Result<(), BotError> {
        let mut conn = self.inner.store.acquire().await?;
        let now = self.inner.clock.now_ms();
        let user = users::get_or_create(&mut conn, &sender.channel, &sender.id, lang.code(), now).await?;
        users::set_lang(&mut conn, user.id, lang.code()).await?;
        self.inner.cache.forget(&sender.key());
        Ok(())
    }

    /// Handles one message; never fails (a failure is logged and the user gets an apology).
    pub async fn handle(&self, sender: &Sender, input: Input) -> Vec<Reply> {
        self.handle_with_state(sender, input).await.replies
    }

    /// Handles one message as [`handle`](Self::handle) does, and tells where the user stands
    /// after it.
    pub async fn handle_with_state(&self, sender: &Sender, input: Input) -> Handled {
        self.handle_once(sender, input, None).await
    }

    /// Handles a messenger update once: an update id handled before (a redelivery) gets no
    /// replies and changes nothing. The id is recorded in the transaction of the update's changes.
    /// The messenger must hand out a private chat's updates in increasing ids and the caller
    /// handle them in that order, as Telegram and both of its listeners do.
    pub async fn handle_update(&self, sender: &Sender, input: Input, update_id: i64) -> Vec<Reply> {
        let update = UpdateId { id: update_id, in_order: sender.is_private() };
        self.handle_once(sender, input, Some(update)).await.replies
    }

    /// Writes every count for the figures this instance has not written yet (the console does
    /// before it shows them; otherwise they go every few seconds with the turns).
    pub async fn flush_tallies(&self) -> Result<(), BotError> {
        Ok(effects::write_tallies(&self.inner, true).await?)
    }

    async fn handle_once(&self, sender: &Sender, input: Input, update: Option<UpdateId>) -> Handled {
        let handled = self.handle_locked(sender, input, update).await;
        if let Err(error) = effects::write_tallies(&self.inner, false).await {
            tracing::warn!(error = %errors::chain(&error), "the figures' counts wait for the next write");
        }
        handled
    }

    async fn handle_locked(&self, sender: &Sender, input: Input, update: Option<UpdateId>) -> Handled {
        let key = sender.key();
        // Before the user's lock and the database, so a flood costs neither.
        if let Some(replies) = self.rate_limited(&key, sender, &input) {
            return Handled::unfinished(replies);
        }
        let _turn = self.inner.locks.lock(&key).await;
        for attempt in 1..=ATTEMPTS {
            match self.try_handle(&key, sender, &input, update).await {
                Ok(handled) => return handled,
                Err(BotError::Duplicate) => {
                    let update = update.map(|update| update.id);
                    tracing::info!(channel = %sender.channel, update, "ignoring an update handled before");
                    return Handled::unfinished(Vec::new());
                }
                Err(BotError::Store(StoreError::Conflict { what })) if attempt < ATTEMPTS => {
                    tracing::debug!(what, attempt, "handling the message again after a concurrent change");
                }
                Err(err) => {
                    tracing::error!(channel = %sender.channel, error = %errors::chain(&err), "a message could not be handled");
                    break;
                }
            }
        }
        Handled::unfinished(vec![Reply::text(Message::Internal.render(sender.lang.unwrap_or_default(), self.policy()))])
    }

    /// `Some` (one notice, then silence) while `sender` is over the rate limit. Only channels
    /// anyone may write on are limited (the terminal chat is one local user); staff are exempt so
    /// review never stalls.
    fn rate_limited(&self, key: &str, sender: &Sender, input: &Input) -> Option<Vec<Reply>> {
        let inner = &*self.inner;
        if !inner.channels.rate_limited(&sender.channel) || inner.staff.is_member(sender) {
            return None;
        }
        let now = i64::try_from(inner.started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let Verdict::Limited { first } = inner.limiter.check(key, now) else { return None };
        if let Input::File(file) = input {
            effects::remove_file(&file.location);
        }
        tracing::debug!(channel = %sender.channel, first, "message dropped by the rate limit");
        let lang = sender.lang.unwrap_or_default();
        Some(if first {
            vec![Reply::text(inner.policy.messages().get(keys::SLOW_DOWN, &[]).render(lang, inner.policy.scripts()))]
        } else {
            Vec::new()
        })
    }

    async fn try_handle(
        &self,
        key: &str,
        sender: &Sender,
        input: &Input,
        update: Option<UpdateId>,
    ) -> Result<Handled, BotError> {
        let inner = &*self.inner;
        let now = inner.clock.now_ms();
        let lang = sender.lang.unwrap_or_default();
        let (user, session) = match inner.cache.get(key) {
            Some((user, session)) => (user, Some(session)),
            None => {
                let found = users::with_session(&mut *inner.store.read().await?, &sender.channel, &sender.id).await?;
                match found {
                    Some(found) => found,
                    None => {
                        let mut conn = inner.store.acquire().await?;
                        (users::get_or_create(&mut conn, &sender.channel, &sender.id, lang.code(), now).await?, None)
                    }
                }
            }
        };
        if let Some(update) = update
            && update.in_order
            && Some(update.id) <= user.last_update.max(session.as_ref().and_then(|session| session.last_update))
        {
            return Err(BotError::Duplicate);
        }
        let lang = Lang::from_code(&user.lang).unwrap_or(lang);
        let mut turn = Turn { inner, sender, user, lang, session, now, update, recorded: false };
        let mut outcome = turn.run(input).await;
        if outcome.is_ok() && update.is_some() && !turn.recorded {
            // A turn that wrote nothing records its update on its own.
            let mut conn = inner.store.acquire().await?;
            if let Err(error) = turn.record_update_on(&mut conn).await {
                outcome = Err(error);
            }
        }
        match outcome {
            Ok(replies) => {
                inner.cache.keep(key, &turn.user, turn.session.as_ref());
                Ok(Handled { replies, state: Some((turn.user, turn.session)) })
            }
            Err(error) => {
                inner.cache.forget(key);
                Err(error)
            }
        }
    }
}
