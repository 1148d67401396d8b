//! Mainland China's public holidays and the weekend days worked in their place (调休), read from
//! `dialogs/holidays.toml`: a date a form asks for on working days only is checked against them.
//! Each holiday is one range of days off with the weekend days worked for it; a year the file
//! does not list falls back to Monday to Friday.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

use crate::lang::Bilingual;

/// File name of the holiday calendar in the dialogs directory.
pub const HOLIDAYS_FILE: &str = "holidays.toml";

/// The longest a holiday runs: the Spring Festival's nine days, with room to spare.
const MAX_DAYS_OFF: i64 = 12;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    #[serde(rename = "holiday")]
    holidays: Vec<RawHoliday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    name: Bilingual,
    /// `2026-02-15..2026-02-23`, or one day.
    off: String,
    #[serde(default)]
    work: Vec<String>,
}

/// One holiday of one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    /// Its name (春节, Spring Festival).
    pub name: Bilingual,
    /// The first day off.
    pub first: NaiveDate,
    /// The last day off.
    pub last: NaiveDate,
}

/// Why a date is not a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayOff<'a> {
    /// A Saturday or Sunday that is not worked.
    Weekend,
    /// A day of a public holiday.
    Holiday(&'a Holiday),
}

/// The public holidays and the weekend days worked in their place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: Vec<Holiday>,
    worked_weekends: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// Reads and checks the calendar: every range in order and at most [`MAX_DAYS_OFF`] long, no
    /// two holidays overlapping, every worked day a Saturday or Sunday outside any holiday.
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: RawCalendar = toml::from_str(text).map_err(|err| err.to_string().trim_end().to_owned())?;
        let mut calendar = Self::default();
        for raw in raw.holidays {
            let name = raw.name.zh.clone();
            let (first, last) = match raw.off.split_once("..") {
                Some((first, last)) => (day(first)?, day(last)?),
                None => (day(&raw.off)?, day(&raw.off)?),
            };
            if first > last || (last - first).num_days() >= MAX_DAYS_OFF {
                return Err(format!("{name}: {} is not a range of 1 to {MAX_DAYS_OFF} days", raw.off));
            }
            if let Some(other) = calendar.holidays.iter().find(|other| first <= other.last && other.first <= last) {
                return Err(format!("{name}: {} overlaps {}", raw.off, other.name.zh));
            }
            for worked in raw.work {
                let worked = day(&worked)?;
                if !matches!(worked.weekday(), Weekday::Sat | Weekday::Sun) {
                    return Err(format!(
                        "{name}: the worked day {worked} is a {}, not a weekend day",
                        worked.weekday()
                    ));
                }
                calendar.worked_weekends.insert(worked);
            }
            calendar.holidays.push(Holiday { name: raw.name, first, last });
        }
        if let Some(worked) = calendar.worked_weekends.iter().find(|&&day| calendar.holiday(day).is_some()) {
            return Err(format!("the worked day {worked} is inside a holiday"));
        }
        Ok(calendar)
    }

    /// Why `date` is not a working day, if it is not one.
    pub fn day_off(&self, date: NaiveDate) -> Option<DayOff<'_>> {
        if let Some(holiday) = self.holiday(date) {
            return Some(DayOff::Holiday(holiday));
        }
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        (weekend && !self.worked_weekends.contains(&date)).then_some(DayOff::Weekend)
    }

    /// The years the calendar lists holidays of.
    pub fn years(&self) -> BTreeSet<i32> {
        self.holidays.iter().map(|holiday| holiday.first.year()).collect()
    }

    fn holiday(&self, date: NaiveDate) -> Option<&Holiday> {
        self.holidays.iter().find(|holiday| (holiday.first..=holiday.last).contains(&date))
    }
}

fn day(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| format!("{text:?} is not a date like 2026-10-01"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The shipped calendar.
    pub(crate) fn shipped() -> Calendar {
        Calendar::parse(include_str!("../../dialogs/holidays.toml")).expect("the shipped calendar loads")
    }

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    #[test]
    fn the_2026_schedule_of_the_state_council_is_known() {
        let calendar = shipped();
        let off: Vec<NaiveDate> = (0..365)
            .map(|n| date(2026, 1, 1) + chrono::Days::new(n))
            .filter(|&day| !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && calendar.day_off(day).is_some())
            .collect();
        let expected = [
            (1, 1),
            (1, 2),
            (2, 16),
            (2, 17),
            (2, 18),
            (2, 19),
            (2, 20),
            (2, 23),
            (4, 6),
            (5, 1),
            (5, 4),
            (5, 5),
            (6, 19),
            (9, 25),
            (10, 1),
            (10, 2),
            (10, 5),
            (10, 6),
            (10, 7),
        ];
        assert_eq!(off, expected.map(|(month, day)| date(2026, month, day)), "weekdays off");
        for (month, day) in [(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)] {
            assert_eq!(calendar.day_off(date(2026, month, day)), None, "2026-{month}-{day} is worked");
        }
        let Some(DayOff::Holiday(spring)) = calendar.day_off(date(2026, 2, 18)) else { panic!("a holiday") };
        assert_eq!(spring.name.en, "Spring Festival");
        assert_eq!(calendar.years(), BTreeSet::from([2026, 2027]));
    }

    #[test]
    fn the_2027_statutory_days_are_off() {
        let calendar = shipped();
        // 除夕 to 初三 (5-8 February), 清明 (5 April), 端午 (9 June), 中秋 (15 September).
        for (month, day) in [(1, 1), (2, 5), (2, 8), (4, 5), (5, 3), (6, 9), (9, 15), (10, 1), (10, 4)] {
            assert!(calendar.day_off(date(2027, month, day)).is_some(), "2027-{month}-{day}");
        }
        assert_eq!(calendar.day_off(date(2027, 2, 11)), None, "the Thursday after the Spring Festival");
    }

    #[test]
    fn years_not_listed_fall_back_to_weekends() {
        let calendar = shipped();
        assert_eq!(calendar.day_off(date(2028, 10, 2)), None, "a Monday in a year not listed");
        assert_eq!(calendar.day_off(date(2028, 10, 7)), Some(DayOff::Weekend));
    }

    #[test]
    fn a_broken_calendar_is_named() {
        let holiday = |off: &str, work: &str| {
            format!("[[holiday]]\nname = {{ zh = \"假\", en = \"Off\" }}\noff = \"{off}\"\nwork = [{work}]\n")
        };
        let problem = |text: String| Calendar::parse(&text).unwrap_err();
        assert!(problem(holiday("2026-10-07..2026-10-01", "")).contains("not a range"));
        assert!(problem(holiday("2026-10-01..2026-10-31", "")).contains("not a range"));
        assert!(problem(holiday("2026-10-01", "\"2026-10-09\"")).contains("is a Fri, not a weekend day"));
        assert!(problem(holiday("2026-10-01..2026-10-07", "\"2026-10-03\"")).contains("inside a holiday"));
        let overlapping = holiday("2026-10-01..2026-10-07", "") + &holiday("2026-10-07", "");
        assert!(problem(overlapping).contains("overlaps"));
        assert!(problem(holiday("2026-13-01", "")).contains("is not a date"));
    }
}
