//! How many messages one user may send in a sliding window, so that one flooding user cannot
//! take the database and the other users' turns; pure and driven by the caller's clock.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Messages a user may send per window: far above anyone typing or pressing buttons (a form is
/// one answer per message), far below a script.
pub const LIMIT: usize = 20;
/// The window the limit counts over.
pub const WINDOW_MS: i64 = 10_000;

/// Whether a message may be handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Handle it.
    Allowed,
    /// Drop it. `first` is true for the first refusal since the last notice left the window: the
    /// user is told once to slow down, and answering every further refusal would only feed the
    /// flood.
    Limited { first: bool },
}

/// Per-user sliding windows.
#[derive(Debug)]
pub struct RateLimiter {
    limit: usize,
    window_ms: i64,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    users: HashMap<String, Window>,
    /// When the users whose window emptied were last forgotten.
    last_sweep: i64,
}

#[derive(Debug, Default)]
struct Window {
    /// When the allowed messages in the window arrived, oldest first; never more than `limit`,
    /// because refused messages are not recorded (a user who keeps sending while limited gets
    /// through again as soon as their earlier messages age out).
    allowed: VecDeque<i64>,
    /// When the user was last told to slow down.
    noticed: Option<i64>,
}

impl Window {
    /// The latest thing remembered about the user.
    fn last_seen(&self) -> Option<i64> {
        self.allowed.back().copied().max(self.noticed)
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new(LIMIT, WINDOW_MS)
    }
}

impl RateLimiter {
    /// At most `limit` messages per user in any `window_ms`.
    ///
    /// # Panics
    /// If `limit` or `window_ms` is zero or negative: such a limiter would refuse everyone.
    pub fn new(limit: usize, window_ms: i64) -> Self {
        assert!(limit > 0 && window_ms > 0, "a rate limit needs a positive limit and window");
        Self { limit, window_ms, state: Mutex::new(State::default()) }
    }

    /// Counts a message of `user_key` (`channel:id`) arriving at `now_ms` if the user has room.
    pub fn check(&self, user_key: &str, now_ms: i64) -> Verdict {
        // A panic elsewhere while holding the lock leaves at worst a stale count: keep limiting.
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Anything at or before `expired` is out of the window.
        let expired = now_ms.saturating_sub(self.window_ms);
        // Without forgetting, every user ever seen would stay in memory. A pass over all users
        // once per window keeps the map to those active in about the last two windows, at an
        // amortised cost of one entry per message; a clock set back sweeps at once, which only
        // keeps more.
        if now_ms < state.last_sweep || now_ms.saturating_sub(state.last_sweep) >= self.window_ms {
            state.users.retain(|_, window| window.last_seen().is_some_and(|seen| seen > expired));
            state.last_sweep = now_ms;
        }
        // Look up before inserting, so a known user's message allocates no key.
        let window = match state.users.get_mut(user_key) {
            Some(window) => window,
            None => state.users.entry(user_key.to_owned()).or_default(),
        };
        while window.allowed.front().is_some_and(|&time| time <= expired) {
            window.allowed.pop_front();
        }
        if window.allowed.len() < self.limit {
            window.allowed.push_back(now_ms);
            return Verdict::Allowed;
        }
        let first = window.noticed.is_none_or(|noticed| noticed <= expired);
        if first {
            window.noticed = Some(now_ms);
        }
        Verdict::Limited { first }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(limiter: &RateLimiter) -> usize {
        limiter.state.lock().unwrap().users.len()
    }

    #[test]
    fn the_default_policy_allows_twenty_messages_in_ten_seconds_then_limits() {
        let limiter = RateLimiter::default();
        for i in 0..20 {
            assert_eq!(limiter.check("telegram:1", i * 100), Verdict::Allowed, "message {i}");
        }
        assert_eq!(limiter.check("telegram:1", 2_000), Verdict::Limited { first: true });
    }

    #[test]
    fn only_the_first_refusal_of_a_burst_is_first() {
        let limiter = RateLimiter::new(3, 1_000);
        for _ in 0..3 {
            assert_eq!(limiter.check("u", 0), Verdict::Allowed);
        }
        assert_eq!(limiter.check("u", 10), Verdict::Limited { first: true });
        for time in [20, 500, 999] {
            assert_eq!(limiter.check("u", time), Verdict::Limited { first: false }, "at {time}");
        }
    }

    #[test]
    fn sliding_frees_capacity_as_old_messages_age_out() {
        let limiter = RateLimiter::new(3, 1_000);
        for time in [0, 400, 800] {
            assert_eq!(limiter.check("u", time), Verdict::Allowed);
        }
        assert_eq!(limiter.check("u", 900), Verdict::Limited { first: true });
        // The message at 0 leaves the window at 1000: exactly one slot frees up.
        assert_eq!(limiter.check("u", 1_000), Verdict::Allowed);
        assert_eq!(limiter.check("u", 1_001), Verdict::Limited { first: false }, "the notice is still fresh");
        assert_eq!(limiter.check("u", 1_400), Verdict::Allowed);
    }

    #[test]
    fn a_new_burst_after_the_notice_left_the_window_is_told_again() {
        let limiter = RateLimiter::new(2, 1_000);
        limiter.check("u", 0);
        limiter.check("u", 0);
        assert_eq!(limiter.check("u", 100), Verdict::Limited { first: true });
        assert_eq!(limiter.check("u", 1_500), Verdict::Allowed);
        assert_eq!(limiter.check("u", 1_500), Verdict::Allowed);
        assert_eq!(limiter.check("u", 1_600), Verdict::Limited { first: true });
    }

    #[test]
    fn a_steady_flood_is_told_at_most_once_per_window() {
        let limiter = RateLimiter::new(5, 1_000);
        let notices = (0..10_000).filter(|&time| limiter.check("u", time) == Verdict::Limited { first: true }).count();
        assert!(notices <= 10, "{notices} notices in 10 windows");
    }

    #[test]
    fn users_are_limited_independently() {
        let limiter = RateLimiter::new(2, 1_000);
        limiter.check("telegram:a", 0);
        limiter.check("telegram:a", 0);
        assert_eq!(limiter.check("telegram:a", 1), Verdict::Limited { first: true });
        assert_eq!(limiter.check("telegram:b", 1), Verdict::Allowed);
        assert_eq!(limiter.check("cli:a", 1), Verdict::Allowed, "the same id on another channel is another user");
    }

    #[test]
    fn users_whose_window_emptied_are_forgotten() {
        let limiter = RateLimiter::new(2, 1_000);
        for user in 0..1_000 {
            limiter.check(&format!("telegram:{user}"), 0);
        }
        assert_eq!(users(&limiter), 1_000);
        limiter.check("telegram:late", 500);
        assert_eq!(users(&limiter), 1_001, "no sweep within a window");
        limiter.check("telegram:other", 1_200);
        assert_eq!(users(&limiter), 2, "only the users seen within the last window are kept");
        limiter.check("telegram:late", 1_300);
        assert_eq!(limiter.check("telegram:late", 1_300), Verdict::Limited { first: true }, "kept users keep counting");
    }

    #[test]
    fn a_forgotten_user_starts_afresh() {
        let limiter = RateLimiter::new(1, 1_000);
        limiter.check("u", 0);
        assert_eq!(limiter.check("u", 10), Verdict::Limited { first: true });
        limiter.check("someone else", 5_000);
        assert_eq!(users(&limiter), 1);
        assert_eq!(limiter.check("u", 5_000), Verdict::Allowed);
    }

    #[test]
    fn a_clock_set_back_neither_panics_nor_frees_capacity() {
        let limiter = RateLimiter::new(1, 1_000);
        assert_eq!(limiter.check("u", 10_000), Verdict::Allowed);
        assert_eq!(limiter.check("u", 5_000), Verdict::Limited { first: true });
        assert_eq!(limiter.check("u", i64::MIN), Verdict::Limited { first: false });
        assert_eq!(limiter.check("u", i64::MAX), Verdict::Allowed);
    }

    #[test]
    fn concurrent_checks_never_allow_more_than_the_limit() {
        let limiter = std::sync::Arc::new(RateLimiter::new(20, 10_000));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let limiter = std::sync::Arc::clone(&limiter);
                std::thread::spawn(move || (0..50).filter(|_| limiter.check("u", 0) == Verdict::Allowed).count())
            })
            .collect();
        let allowed: usize = threads.into_iter().map(|thread| thread.join().unwrap()).sum();
        assert_eq!(allowed, 20);
    }
}
