//! Slowing down password guessing: after a few failed sign-ins of an account, or many from one
//! address, each further failure blocks that subject for longer (30 s, doubling, at most 15
//! minutes) until a quiet window has passed. Pure rules; the counts live in the store.

use crate::store::accounts::Failures;

/// Failures an account may have in a window before it is slowed down.
pub const ACCOUNT_FREE: i64 = 5;
/// Failures an address may have in a window (several staff behind one office address).
pub const ADDRESS_FREE: i64 = 20;
/// Failures older than this are forgotten.
const WINDOW_MS: i64 = 15 * 60 * 1000;
/// The first block.
const FIRST_BLOCK_MS: i64 = 30 * 1000;
/// The longest block.
const MAX_BLOCK_MS: i64 = 15 * 60 * 1000;

/// Whether a sign-in may be tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead.
    Try,
    /// Not before this many seconds.
    Wait(i64),
}

/// Whether a subject with `failures` may try to sign in at `now`.
pub fn check(failures: Option<Failures>, now: i64) -> Verdict {
    match failures {
        Some(failures) if failures.blocked_until > now => Verdict::Wait((failures.blocked_until - now + 999) / 1000),
        _ => Verdict::Try,
    }
}

/// The failures of a subject after one more at `now`; past `free` failures in the window, the
/// subject is blocked for a time that doubles with each.
pub fn fail(failures: Option<Failures>, free: i64, now: i64) -> Failures {
    let (count, first_at) = match failures {
        Some(failures) if now - failures.first_at < WINDOW_MS => (failures.failures + 1, failures.first_at),
        _ => (1, now),
    };
    let over = count - free;
    let blocked_until =
        if over > 0 { now + FIRST_BLOCK_MS.saturating_mul(1 << (over - 1).min(10)).min(MAX_BLOCK_MS) } else { now };
    Failures { failures: count, first_at, blocked_until }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_failures_are_free_then_blocks_double_up_to_a_limit() {
        let mut failures = None;
        for _ in 0..ACCOUNT_FREE {
            failures = Some(fail(failures, ACCOUNT_FREE, 1_000));
            assert_eq!(check(failures, 1_000), Verdict::Try);
        }
        failures = Some(fail(failures, ACCOUNT_FREE, 1_000));
        assert_eq!(check(failures, 1_000), Verdict::Wait(30));
        assert_eq!(check(failures, 31_000), Verdict::Try);
        failures = Some(fail(failures, ACCOUNT_FREE, 31_000));
        assert_eq!(check(failures, 31_000), Verdict::Wait(60));
        for _ in 0..20 {
            failures = Some(fail(failures, ACCOUNT_FREE, 40_000));
        }
        assert_eq!(check(failures, 40_000), Verdict::Wait(15 * 60));
    }

    #[test]
    fn failures_outside_the_window_are_forgotten() {
        let mut failures = None;
        for _ in 0..=ACCOUNT_FREE {
            failures = Some(fail(failures, ACCOUNT_FREE, 0));
        }
        let later = fail(failures, ACCOUNT_FREE, WINDOW_MS + 1);
        assert_eq!((later.failures, later.first_at), (1, WINDOW_MS + 1));
        assert_eq!(check(Some(later), WINDOW_MS + 1), Verdict::Try);
    }
}
