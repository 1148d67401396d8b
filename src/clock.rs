//! The time: China Standard Time (UTC+8, no daylight saving), real or fixed for tests.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, TimeZone, Utc};

/// Where "today" is decided: China Standard Time.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// A source of the current time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system clock.
    System,
    /// Always the same instant (tests, reproducible runs).
    Fixed(DateTime<FixedOffset>),
    /// The system clock shifted by a constant: time passes (retries and leases fall due) from a
    /// chosen starting day (end-to-end tests and benchmarks).
    Shifted(TimeDelta),
}

impl Clock {
    /// A clock stopped at `year-month-day hour:00` China time.
    pub fn fixed(year: i32, month: u32, day: u32, hour: u32) -> Self {
        Self::Fixed(china().with_ymd_and_hms(year, month, day, hour, 0, 0).single().expect("a valid date"))
    }

    /// A running clock that reads `year-month-day hour:00` China time now.
    pub fn starting_at(year: i32, month: u32, day: u32, hour: u32) -> Self {
        Self::Shifted(Self::fixed(year, month, day, hour).now().with_timezone(&Utc) - Utc::now())
    }

    /// Now, in China time.
    pub fn now(self) -> DateTime<FixedOffset> {
        match self {
            Self::System => Utc::now().with_timezone(&china()),
            Self::Fixed(instant) => instant,
            Self::Shifted(offset) => (Utc::now() + offset).with_timezone(&china()),
        }
    }

    /// Now, in milliseconds since the Unix epoch (how the store keeps times).
    pub fn now_ms(self) -> i64 {
        self.now().timestamp_millis()
    }

    /// Today's date in China.
    pub fn today(self) -> NaiveDate {
        self.now().date_naive()
    }
}

/// A stored time (epoch milliseconds) as China time, `2026-11-23 09:30`.
pub fn format_ms(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|time| time.with_timezone(&china()).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_decided_in_china_time() {
        // 2026-11-22 20:00 UTC is already the 23rd in Zhanjiang.
        let clock = Clock::Fixed(Utc.with_ymd_and_hms(2026, 11, 22, 20, 0, 0).unwrap().with_timezone(&china()));
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    }

    #[test]
    fn a_shifted_clock_starts_on_its_day_and_runs() {
        let clock = Clock::starting_at(2026, 11, 23, 10);
        assert_eq!(format_ms(clock.now_ms()), "2026-11-23 10:00");
        let before = clock.now_ms();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(clock.now_ms() >= before + 5);
    }

    #[test]
    fn stored_times_are_shown_in_china_time() {
        let clock = Clock::fixed(2026, 11, 23, 9);
        assert_eq!(format_ms(clock.now_ms()), "2026-11-23 09:00");
    }
}
