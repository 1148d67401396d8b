//! The forms in progress this instance last saved, kept in memory so that a form step needs no
//! read before its write. Safe with several instances: every save names the version it read, so
//! a form changed elsewhere makes the save fail, the entry is dropped and the message is handled
//! again from the database. Only users with an open form are kept — a stale "no form" would send
//! an answer to the Q&A instead — and entries expire, bounding how long another instance's change
//! of a user's language goes unseen.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::store::sessions::Session;
use crate::store::users::User;

/// How long an entry is trusted.
const FRESH_FOR: Duration = Duration::from_secs(60);

/// Users and their open forms, by `channel:id`.
#[derive(Debug, Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, (User, Session, Instant)>>,
}

impl SessionCache {
    /// The user and open form last saved here, if still fresh.
    pub fn get(&self, key: &str) -> Option<(User, Session)> {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match entries.get(key) {
            Some((user, session, saved)) if saved.elapsed() < FRESH_FOR => Some((user.clone(), session.clone())),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Remembers the state a turn ended in: kept with an open form, forgotten without.
    pub fn keep(&self, key: &str, user: &User, session: Option<&Session>) {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match session {
            Some(session) => entries.insert(key.to_owned(), (user.clone(), session.clone(), Instant::now())),
            None => entries.remove(key),
        };
    }

    /// Forgets a user (their state may have changed elsewhere).
    pub fn forget(&self, key: &str) {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(key);
    }
}
