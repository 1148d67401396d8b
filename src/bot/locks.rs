//! One message at a time per user: messages of one user are handled in order, different users in
//! parallel. (Across bot instances, optimistic session versions catch what this cannot.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OwnedMutexGuard;

/// Per-key async locks that disappear when nobody holds or waits for them.
#[derive(Debug, Default)]
pub struct Locks {
    held: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// Holds a key's lock; releasing it forgets the key if nobody else wants it.
pub struct Guard<'a> {
    locks: &'a Locks,
    key: String,
    guard: Option<OwnedMutexGuard<()>>,
}

impl Locks {
    /// Waits for the lock of `key`.
    pub async fn lock(&self, key: &str) -> Guard<'_> {
        let mutex = {
            let mut held = self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(held.entry(key.to_owned()).or_default())
        };
        Guard { locks: self, key: key.to_owned(), guard: Some(mutex.lock_owned().await) }
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut held = self.locks.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Only our map entry and no guard or waiter left: the key can go.
        if held.get(&self.key).is_some_and(|mutex| Arc::strong_count(mutex) == 1) {
            held.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_same_key_waits_and_other_keys_do_not() {
        let locks = Arc::new(Locks::default());
        let first = locks.lock("a").await;
        assert!(tokio::time::timeout(std::time::Duration::from_millis(20), locks.lock("b")).await.is_ok());
        assert!(tokio::time::timeout(std::time::Duration::from_millis(20), locks.lock("a")).await.is_err());
        drop(first);
        assert!(tokio::time::timeout(std::time::Duration::from_millis(20), locks.lock("a")).await.is_ok());
    }

    #[tokio::test]
    async fn released_keys_are_forgotten() {
        let locks = Locks::default();
        drop(locks.lock("a").await);
        assert!(locks.held.lock().unwrap().is_empty());
    }
}
