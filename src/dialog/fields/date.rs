//! Dates and months typed in chat (`2026-12-01`, `2026年12月1日`, `明天`), checked against the
//! rules a form sets for them: bounds, working days, month precision.

use std::str::FromStr;
use std::sync::LazyLock;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use regex::{Captures, Regex};

use super::{Reason, compact};
use crate::dialog::holidays::{Calendar, DayOff};
use crate::lang::Bilingual;

/// `20261201`.
static PACKED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9]{4})([0-9]{2})([0-9]{2})$").expect("valid regex"));

/// `2026-12-01`, `2026/12/1`, `2026.12.1`, `2026年12月1日`, `2026年12月1号`, and the same without
/// the day (`2026-12`, `2026年12月`).
static SEPARATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([0-9]{4})(?:[-/.]|年)([0-9]{1,2})(?:(?:[-/.]|月)([0-9]{1,2})[日号號]?|月)?$").expect("valid regex")
});

/// Words for a day relative to today, and how many days after today they mean.
const RELATIVE_DAYS: [(&str, u64); 6] =
    [("今天", 0), ("today", 0), ("明天", 1), ("tomorrow", 1), ("后天", 2), ("後天", 2)];

/// What a form accepts as a date answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DateRules<'a> {
    /// The earliest date accepted, inclusive.
    pub earliest: Option<NaiveDate>,
    /// The latest date accepted, inclusive.
    pub latest: Option<NaiveDate>,
    /// Working days only, by this calendar: Saturdays, Sundays and public holidays are refused,
    /// the weekend days worked in a holiday's place accepted.
    pub working_days: Option<&'a Calendar>,
    /// Ask for a month, not a day: the answer is the first day of the month, and the bounds
    /// compare months, so a bound of today still accepts the current month. Weekdays are not
    /// checked.
    pub month_only: bool,
}

/// Why a text is not a date the form accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// No date format recognised.
    #[error("not a date in a known format")]
    Unreadable {
        /// Whether a month was asked for, which changes the example given.
        month_only: bool,
    },
    /// A well-formed date that does not exist, such as 30 February.
    #[error("the date does not exist")]
    Impossible,
    /// Before the earliest date allowed.
    #[error("the date is before {earliest}")]
    TooEarly {
        /// The earliest date allowed (the first of its month when a month was asked for).
        earliest: NaiveDate,
        /// Whether a month was asked for.
        month_only: bool,
    },
    /// After the latest date allowed.
    #[error("the date is after {latest}")]
    TooLate {
        /// The latest date allowed (the first of its month when a month was asked for).
        latest: NaiveDate,
        /// Whether a month was asked for.
        month_only: bool,
    },
    /// A Saturday or a Sunday where only working days are accepted.
    #[error("{date} is a {weekday} and only working days are accepted", weekday = date.weekday())]
    Weekend {
        /// The date given.
        date: NaiveDate,
    },
    /// A day of a public holiday where only working days are accepted.
    #[error("{date} is a day of {} and only working days are accepted", name.en)]
    Holiday {
        /// The date given.
        date: NaiveDate,
        /// The holiday's name.
        name: Bilingual,
    },
}

/// Reads a date typed in chat and checks it against `rules`; relative words count from `today`.
/// Full-width digits and spaces are accepted. With `month_only`, the first day of the month is
/// returned.
pub fn parse_date(raw: &str, rules: &DateRules, today: NaiveDate) -> Result<NaiveDate, DateError> {
    let text = compact(raw, &[]).to_lowercase();
    let date = match RELATIVE_DAYS.iter().find(|(word, _)| *word == text) {
        Some(&(_, days)) => today.checked_add_days(Days::new(days)).ok_or(DateError::Impossible)?,
        None => read_calendar_date(&text, rules.month_only)?,
    };
    // Month answers and their bounds are compared as the first day of their months.
    let to_precision = |date: NaiveDate| if rules.month_only { date.with_day(1).unwrap_or(date) } else { date };
    let date = to_precision(date);
    if let Some(earliest) = rules.earliest.map(to_precision)
        && date < earliest
    {
        return Err(DateError::TooEarly { earliest, month_only: rules.month_only });
    }
    if let Some(latest) = rules.latest.map(to_precision)
        && date > latest
    {
        return Err(DateError::TooLate { latest, month_only: rules.month_only });
    }
    match rules.working_days.filter(|_| !rules.month_only).and_then(|calendar| calendar.day_off(date)) {
        Some(DayOff::Weekend) => Err(DateError::Weekend { date }),
        Some(DayOff::Holiday(holiday)) => Err(DateError::Holiday { date, name: holiday.name.clone() }),
        None => Ok(date),
    }
}

/// The date written with digits in `text`; without a day, the first of the month when
/// `month_only` allows it.
fn read_calendar_date(text: &str, month_only: bool) -> Result<NaiveDate, DateError> {
    let unreadable = DateError::Unreadable { month_only };
    let captures =
        [&PACKED, &SEPARATED].into_iter().find_map(|pattern| pattern.captures(text)).ok_or(unreadable.clone())?;
    let (year, month) = read_group(&captures, 1).zip(read_group(&captures, 2)).ok_or(unreadable.clone())?;
    let day = match read_group(&captures, 3) {
        Some(day) => day,
        None if month_only => 1,
        None => return Err(unreadable),
    };
    NaiveDate::from_ymd_opt(year, month, day).ok_or(DateError::Impossible)
}

/// The number in capture group `index`, if the group matched.
fn read_group<T: FromStr>(captures: &Captures<'_>, index: usize) -> Option<T> {
    captures.get(index)?.as_str().parse().ok()
}

/// `date` as the user reads it: in Chinese and in English, as a day or as a month.
fn describe(date: NaiveDate, month_only: bool) -> (String, String) {
    if month_only {
        (date.format("%Y年%-m月").to_string(), date.format("%B %Y").to_string())
    } else {
        (date.format("%Y年%-m月%-d日").to_string(), date.format("%-d %B %Y").to_string())
    }
}

impl Reason for DateError {
    fn reason(&self) -> Bilingual {
        match self {
            Self::Unreadable { month_only: false } => Bilingual::new(
                "没看懂这个日期，请按“2026-12-01”或“2026年12月1日”的格式发送，也可以说“明天”。",
                "Sorry, I could not read this date; please write it like 2026-12-01, or say “tomorrow”.",
            ),
            Self::Unreadable { month_only: true } => Bilingual::new(
                "没看懂这个月份，请按“2026-12”或“2026年12月”的格式发送。",
                "Sorry, I could not read this month; please write it like 2026-12.",
            ),
            Self::Impossible => Bilingual::new(
                "这个日期不存在（例如2月没有30日），请核对月份和日期。",
                "This date does not exist (e.g. there is no 30 February); please check the month and the day.",
            ),
            Self::TooEarly { earliest, month_only } => {
                let (zh, en) = describe(*earliest, *month_only);
                Bilingual::new(
                    format!("不能早于{zh}，请重新选择。"),
                    format!("It cannot be earlier than {en}; please choose another date."),
                )
            }
            Self::TooLate { latest, month_only } => {
                let (zh, en) = describe(*latest, *month_only);
                Bilingual::new(
                    format!("不能晚于{zh}，请重新选择。"),
                    format!("It cannot be later than {en}; please choose another date."),
                )
            }
            Self::Weekend { date } => {
                let (zh, en) = describe(*date, false);
                let (weekday_zh, weekday_en) =
                    if date.weekday() == Weekday::Sat { ("星期六", "Saturday") } else { ("星期日", "Sunday") };
                Bilingual::new(
                    format!("{zh}是{weekday_zh}，请选择周一至周五的工作日。"),
                    format!("{en} is a {weekday_en}; please choose a working day (Monday to Friday)."),
                )
            }
            Self::Holiday { date, name } => {
                let (zh, en) = describe(*date, false);
                Bilingual::new(
                    format!("{zh}是{}假期，请选择其他工作日。", name.zh),
                    format!("{en} is a public holiday ({}); please choose another working day.", name.en),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialog::holidays::tests::shipped;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    /// A Sunday, so that tomorrow is a working day.
    fn today() -> NaiveDate {
        date(2026, 3, 15)
    }

    fn parse(raw: &str) -> Result<NaiveDate, DateError> {
        parse_date(raw, &DateRules::default(), today())
    }

    fn parse_month(raw: &str) -> Result<NaiveDate, DateError> {
        parse_date(raw, &DateRules { month_only: true, ..DateRules::default() }, today())
    }

    #[test]
    fn every_numeric_and_chinese_format_is_read() {
        for raw in [
            "2026-12-01",
            "2026/12/1",
            "2026.12.1",
            "20261201",
            "2026年12月1日",
            "2026年12月1号",
            "2026 年 12 月 1 日",
            "２０２６－１２－０１",
            "２０２６年１２月１日",
        ] {
            assert_eq!(parse(raw), Ok(date(2026, 12, 1)), "{raw}");
        }
    }

    #[test]
    fn relative_words_count_from_today() {
        for (raw, expected) in [
            ("今天", today()),
            ("Today", today()),
            ("明天", date(2026, 3, 16)),
            (" tomorrow ", date(2026, 3, 16)),
            ("后天", date(2026, 3, 17)),
            ("後天", date(2026, 3, 17)),
        ] {
            assert_eq!(parse(raw), Ok(expected), "{raw}");
        }
    }

    #[test]
    fn leap_days_exist_only_in_leap_years() {
        assert_eq!(parse("2028-02-29"), Ok(date(2028, 2, 29)));
        assert_eq!(parse("2000-02-29"), Ok(date(2000, 2, 29)));
        assert_eq!(parse("2026-02-29"), Err(DateError::Impossible));
        assert_eq!(parse("2100-02-29"), Err(DateError::Impossible));
    }

    #[test]
    fn dates_that_do_not_exist_are_impossible() {
        for raw in ["2026-02-30", "2026-04-31", "2026-13-01", "2026-00-10", "2026-12-00", "20261332"] {
            assert_eq!(parse(raw), Err(DateError::Impossible), "{raw}");
        }
    }

    #[test]
    fn garbage_is_unreadable() {
        for raw in ["", "next week", "12/01/2026", "2026-12-01-05", "26-12-01", "😀", "2026年12月1日😀", "２０２６"]
        {
            assert_eq!(parse(raw), Err(DateError::Unreadable { month_only: false }), "{raw}");
        }
        assert_eq!(parse(&"2026-12-01".repeat(1_000)), Err(DateError::Unreadable { month_only: false }));
    }

    #[test]
    fn control_characters_are_ignored() {
        assert_eq!(parse("2026-12-01\u{0}\u{200B}\n"), Ok(date(2026, 12, 1)));
    }

    #[test]
    fn a_month_without_a_day_is_unreadable_when_a_day_is_asked_for() {
        assert_eq!(parse("2026-12"), Err(DateError::Unreadable { month_only: false }));
    }

    #[test]
    fn bounds_are_inclusive() {
        let rules =
            DateRules { earliest: Some(date(2026, 4, 1)), latest: Some(date(2026, 4, 30)), ..DateRules::default() };
        assert_eq!(parse_date("2026-04-01", &rules, today()), Ok(date(2026, 4, 1)));
        assert_eq!(parse_date("2026-04-30", &rules, today()), Ok(date(2026, 4, 30)));
        assert_eq!(
            parse_date("2026-03-31", &rules, today()),
            Err(DateError::TooEarly { earliest: date(2026, 4, 1), month_only: false })
        );
        assert_eq!(
            parse_date("2026-05-01", &rules, today()),
            Err(DateError::TooLate { latest: date(2026, 4, 30), month_only: false })
        );
    }

    #[test]
    fn relative_words_are_checked_against_the_bounds() {
        let rules = DateRules { earliest: Some(date(2026, 3, 16)), ..DateRules::default() };
        assert!(matches!(parse_date("今天", &rules, today()), Err(DateError::TooEarly { .. })));
        assert_eq!(parse_date("明天", &rules, today()), Ok(date(2026, 3, 16)));
    }

    #[test]
    fn months_are_read_as_their_first_day() {
        for raw in ["2026-12", "2026/12", "2026年12月", "２０２６年１２月", "2026-12-25", "2026年12月25日"]
        {
            assert_eq!(parse_month(raw), Ok(date(2026, 12, 1)), "{raw}");
        }
        assert_eq!(parse_month("今天"), Ok(date(2026, 3, 1)));
    }

    #[test]
    fn impossible_and_unreadable_months_are_refused() {
        assert_eq!(parse_month("2026-13"), Err(DateError::Impossible));
        assert_eq!(parse_month("2026-02-30"), Err(DateError::Impossible));
        assert_eq!(parse_month("十二月"), Err(DateError::Unreadable { month_only: true }));
    }

    #[test]
    fn month_bounds_compare_months_so_the_current_month_is_allowed() {
        let rules = DateRules {
            earliest: Some(today()),
            latest: Some(date(2026, 9, 15)),
            month_only: true,
            ..DateRules::default()
        };
        assert_eq!(parse_date("2026-03", &rules, today()), Ok(date(2026, 3, 1)));
        assert_eq!(parse_date("2026-09", &rules, today()), Ok(date(2026, 9, 1)));
        assert_eq!(
            parse_date("2026-02", &rules, today()),
            Err(DateError::TooEarly { earliest: date(2026, 3, 1), month_only: true })
        );
        assert_eq!(
            parse_date("2026-10", &rules, today()),
            Err(DateError::TooLate { latest: date(2026, 9, 1), month_only: true })
        );
    }

    #[test]
    fn weekends_are_refused_when_only_working_days_are_accepted() {
        let calendar = Calendar::default();
        let rules = DateRules { working_days: Some(&calendar), ..DateRules::default() };
        assert_eq!(date(2026, 12, 5).weekday(), Weekday::Sat);
        assert_eq!(parse_date("2026-12-05", &rules, today()), Err(DateError::Weekend { date: date(2026, 12, 5) }));
        assert_eq!(parse_date("2026-12-06", &rules, today()), Err(DateError::Weekend { date: date(2026, 12, 6) }));
        assert_eq!(parse_date("2026-12-04", &rules, today()), Ok(date(2026, 12, 4)));
        assert_eq!(parse_date("2026-12-07", &rules, today()), Ok(date(2026, 12, 7)));
        assert_eq!(parse_date("今天", &rules, today()), Err(DateError::Weekend { date: today() }));
    }

    #[test]
    fn public_holidays_are_refused_and_the_weekends_worked_for_them_accepted() {
        let calendar = shipped();
        let rules = DateRules { working_days: Some(&calendar), ..DateRules::default() };
        let national_day = parse_date("2026-10-05", &rules, today());
        let Err(DateError::Holiday { date: refused, name }) = &national_day else { panic!("{national_day:?}") };
        assert_eq!((*refused, name.zh.as_str()), (date(2026, 10, 5), "国庆节"));
        let reason = national_day.unwrap_err().reason();
        assert!(reason.zh.contains("2026年10月5日是国庆节假期"), "{}", reason.zh);
        assert!(reason.en.contains("public holiday (National Day)"), "{}", reason.en);
        assert_eq!(parse_date("2026-10-10", &rules, today()), Ok(date(2026, 10, 10)), "a Saturday worked");
        assert_eq!(
            parse_date("2026-02-16", &rules, today()).map_err(|e| e.to_string()),
            Err("2026-02-16 is a day of Spring Festival and only working days are accepted".to_owned())
        );
        assert_eq!(parse_date("2026-10-09", &rules, today()), Ok(date(2026, 10, 9)));
    }

    #[test]
    fn weekends_are_not_checked_when_a_month_is_asked_for() {
        let calendar = shipped();
        let rules = DateRules { working_days: Some(&calendar), month_only: true, ..DateRules::default() };
        // 1 August 2026 is a Saturday.
        assert_eq!(parse_date("2026-08", &rules, today()), Ok(date(2026, 8, 1)));
    }

    #[test]
    fn reasons_name_the_bound_and_the_weekday() {
        let too_early = DateError::TooEarly { earliest: date(2026, 4, 1), month_only: false }.reason();
        assert!(too_early.zh.contains("2026年4月1日"), "{}", too_early.zh);
        assert!(too_early.en.contains("1 April 2026"), "{}", too_early.en);
        let too_late = DateError::TooLate { latest: date(2026, 9, 1), month_only: true }.reason();
        assert!(too_late.zh.contains("2026年9月"), "{}", too_late.zh);
        assert!(too_late.en.contains("September 2026"), "{}", too_late.en);
        let weekend = DateError::Weekend { date: date(2026, 12, 6) }.reason();
        assert!(weekend.zh.contains("2026年12月6日是星期日"), "{}", weekend.zh);
        assert!(weekend.en.contains("6 December 2026 is a Sunday"), "{}", weekend.en);
    }

    #[test]
    fn unreadable_answers_are_given_an_example_format() {
        assert!(DateError::Unreadable { month_only: false }.reason().en.contains("2026-12-01"));
        assert!(DateError::Unreadable { month_only: true }.reason().zh.contains("2026年12月"));
        assert!(DateError::Impossible.reason().zh.contains("不存在"));
    }
}
