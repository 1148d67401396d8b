//! The limit per address: the core limits each visitor like each Telegram user, but a new visitor
//! is one cookie away, so what one address may send in all is limited too.

use std::net::IpAddr;
use std::time::Instant;

use crate::bot::ratelimit::{self, RateLimiter, Verdict};

/// Messages one address may send per window, over all its visitors: fifteen visitors writing as
/// fast as the core lets one (many people share an address behind an office's or a mobile
/// carrier's gateway), far below a script.
const PER_ADDRESS: usize = 15 * ratelimit::LIMIT;

/// The chat's limit per client address (one per server, kept in memory: each instance limits
/// what reaches it).
#[derive(Debug)]
pub struct AddressLimit {
    limiter: RateLimiter,
    /// The limiter's time base (monotonic).
    started: Instant,
}

impl Default for AddressLimit {
    fn default() -> Self {
        Self { limiter: RateLimiter::new(PER_ADDRESS, ratelimit::WINDOW_MS), started: Instant::now() }
    }
}

impl AddressLimit {
    /// Counts a message from `addr`; false when the address is over its limit.
    pub fn allows(&self, addr: IpAddr) -> bool {
        let now = i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.limiter.check(&addr.to_string(), now) == Verdict::Allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_limited_over_all_its_visitors_and_others_are_not() {
        let limit = AddressLimit::default();
        let (busy, other) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        assert!((0..PER_ADDRESS).all(|_| limit.allows(busy)));
        assert!(!limit.allows(busy));
        assert!(limit.allows(other));
    }
}
