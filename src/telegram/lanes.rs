//! Updates in flight: each chat's updates are handled in the order they came, different chats in
//! parallel, and at most [`MAX_IN_FLIGHT`] at once, so a flood makes fetching wait instead of
//! growing memory. It also knows the oldest update not yet handled, below which the inbox may
//! be forgotten.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use teloxide::prelude::*;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use super::channel::Telegram;
use super::updates;
use crate::bot;

/// Updates handled or waiting for their chat's previous update, at most.
pub const MAX_IN_FLIGHT: u32 = 500;

/// The updates being handled.
pub struct Lanes {
    telegram: Arc<Telegram<Bot>>,
    core: bot::Bot,
    permits: Arc<Semaphore>,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    /// Ids of the updates not yet handled.
    in_flight: BTreeSet<i64>,
    /// Per chat, its latest update and the signal that it was handled.
    latest: HashMap<Option<i64>, (i64, oneshot::Receiver<()>)>,
}

impl Lanes {
    pub fn new(telegram: Arc<Telegram<Bot>>, core: bot::Bot) -> Self {
        let permits = Arc::new(Semaphore::new(MAX_IN_FLIGHT as usize));
        Lanes { telegram, core, permits, state: Arc::default() }
    }

    /// Starts handling `update` after its chat's earlier ones; waits while [`MAX_IN_FLIGHT`]
    /// updates are in flight.
    pub async fn push(&self, update: Update) {
        let permit = Arc::clone(&self.permits).acquire_owned().await.expect("the semaphore is never closed");
        let (id, chat) = (i64::from(update.id.0), update.chat().map(|chat| chat.id.0));
        let (done, handled) = oneshot::channel();
        let previous = {
            let mut state = self.lock();
            state.in_flight.insert(id);
            state.latest.insert(chat, (id, handled)).map(|(_, previous)| previous)
        };
        let ticket = Ticket { state: Arc::clone(&self.state), id, chat, _permit: permit, _done: done };
        let (telegram, core) = (Arc::clone(&self.telegram), self.core.clone());
        tokio::spawn(async move {
            if let Some(previous) = previous {
                // An error only says the previous update's task ended without handling it.
                previous.await.ok();
            }
            updates::handle(&telegram, &core, update).await;
            drop(ticket);
        });
    }

    /// The id of the oldest update not yet handled, if any.
    pub fn oldest(&self) -> Option<i64> {
        self.lock().in_flight.first().copied()
    }

    /// Waits until every update pushed is handled.
    pub async fn drain(&self) {
        let all = self.permits.acquire_many(MAX_IN_FLIGHT).await.expect("the semaphore is never closed");
        drop(all);
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

/// The state, also after a task panicked holding it: every change to it is complete.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An update's place in flight, given back when its task ends, even by a panic.
struct Ticket {
    state: Arc<Mutex<State>>,
    id: i64,
    chat: Option<i64>,
    _permit: OwnedSemaphorePermit,
    /// Dropped with the ticket: tells the chat's next update to go.
    _done: oneshot::Sender<()>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut state = lock(&self.state);
        state.in_flight.remove(&self.id);
        if state.latest.get(&self.chat).is_some_and(|(latest, _)| *latest == self.id) {
            state.latest.remove(&self.chat);
        }
    }
}
