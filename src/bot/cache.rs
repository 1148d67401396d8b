//! The forms in progress this instance last saved, kept in memory so that a form step needs no
//! read before its write. Safe with several instances: every save names the version it read, so
//! a form changed elsewhere makes the save fail, the entry is dropped and the message is handled
//! again from the database. Only users with an open form are kept — a stale "no form" would send
//! an answer to the Q&A instead. Entries expire (bounding how long another instance's change of a
//! user's language goes unseen, and freeing abandoned forms) and their number is bounded (moka
//! evicts the least used), so memory does not grow with every user who ever started a form.

use std::time::Duration;

use moka::sync::Cache;

use crate::store::sessions::Session;
use crate::store::users::User;

/// How long an entry is trusted.
const FRESH_FOR: Duration = Duration::from_secs(60);
/// The most users kept: far more than are filling in a form in any one minute.
const MAX_ENTRIES: u64 = 10_000;

/// Users and their open forms, by `channel:id`.
#[derive(Debug)]
pub struct SessionCache {
    entries: Cache<String, (User, Session)>,
}

impl Default for SessionCache {
    fn default() -> Self {
        Self::new(MAX_ENTRIES, FRESH_FOR)
    }
}

impl SessionCache {
    /// A cache of at most `capacity` users, each trusted for `fresh_for`.
    pub fn new(capacity: u64, fresh_for: Duration) -> Self {
        Self { entries: Cache::builder().max_capacity(capacity).time_to_live(fresh_for).build() }
    }

    /// The user and open form last saved here, if still fresh.
    pub fn get(&self, key: &str) -> Option<(User, Session)> {
        self.entries.get(key)
    }

    /// Remembers the state a turn ended in: kept with an open form, forgotten without.
    pub fn keep(&self, key: &str, user: &User, session: Option<&Session>) {
        match session {
            Some(session) => self.entries.insert(key.to_owned(), (user.clone(), session.clone())),
            None => self.entries.invalidate(key),
        }
    }

    /// Forgets a user (their state may have changed elsewhere).
    pub fn forget(&self, key: &str) {
        self.entries.invalidate(key);
    }

    /// How many users are kept (after pending evictions are done).
    #[cfg(test)]
    fn len(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.entry_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialog::engine::{DialogState, Stage};

    fn entry(id: i64) -> (User, Session) {
        let user = User {
            id,
            channel: "telegram".into(),
            external_id: id.to_string(),
            lang: "zh".into(),
            consent_version: None,
            consent_at: None,
            created_at: 0,
            last_update: None,
            last_question: None,
            last_question_at: None,
        };
        let state = DialogState {
            flow: "tax-guidance".into(),
            stage: Stage::Summary,
            answers: Default::default(),
            trail: Vec::new(),
            ticked: Vec::new(),
            amend: None,
        };
        let session =
            Session { user_id: id, flow: "tax-guidance".into(), state, version: 1, updated_at: 0, last_update: None };
        (user, session)
    }

    #[test]
    fn the_number_of_users_kept_is_bounded() {
        let cache = SessionCache::new(100, FRESH_FOR);
        for id in 0..1_000 {
            let (user, session) = entry(id);
            cache.keep(&format!("telegram:{id}"), &user, Some(&session));
        }
        assert!(cache.len() <= 100, "{} kept", cache.len());
    }

    #[test]
    fn abandoned_forms_expire() {
        let cache = SessionCache::new(100, Duration::from_millis(50));
        let (user, session) = entry(1);
        cache.keep("telegram:1", &user, Some(&session));
        assert_eq!(cache.get("telegram:1").map(|(user, _)| user.id), Some(1));
        std::thread::sleep(Duration::from_millis(120));
        assert_eq!(cache.get("telegram:1"), None);
        assert_eq!(cache.len(), 0, "expired entries do not stay in memory");
    }

    #[test]
    fn a_turn_without_a_form_forgets_the_user() {
        let cache = SessionCache::default();
        let (user, session) = entry(1);
        cache.keep("telegram:1", &user, Some(&session));
        cache.keep("telegram:1", &user, None);
        assert_eq!(cache.get("telegram:1"), None);
    }
}
