//! What must hold of every parsed value: it re-parses from its own display, its mask hides it.

use super::*;

pub(super) fn check_id_card(id: &IdCardNumber, today: NaiveDate) -> Result<(), TestCaseError> {
    let full = id.to_string();
    prop_assert_eq!(full.as_str(), id.as_str());
    prop_assert_eq!(full.len(), 18);
    prop_assert!(full[..17].chars().all(|c| c.is_ascii_digit()), "{full}");
    prop_assert_eq!(full.chars().last(), Some(check_character(&full[..17])));
    prop_assert_eq!(IdCardNumber::parse(&full, today), Ok(id.clone()), "round trip");
    let birth = id.birth_date();
    prop_assert!(birth <= today && birth.year() >= 1900, "{birth}");
    check_mask(&full, &id.masked(), &format!("{id:?}"), 4, 4)?;
    let json = serde_json::to_string(id).unwrap();
    prop_assert_eq!(serde_json::from_str::<IdCardNumber>(&json).ok(), Some(id.clone()));
    Ok(())
}

pub(super) fn check_phone(phone: &PhoneNumber) -> Result<(), TestCaseError> {
    let full = phone.to_string();
    prop_assert_eq!(full.len(), 11);
    prop_assert!(full.chars().all(|c| c.is_ascii_digit()), "{full}");
    prop_assert!(is_mobile_prefix(full[..3].parse().unwrap()), "{full}");
    prop_assert_eq!(PhoneNumber::parse(&full), Ok(phone.clone()), "round trip");
    check_mask(&full, &phone.masked(), &format!("{phone:?}"), 3, 4)?;
    let json = serde_json::to_string(phone).unwrap();
    prop_assert_eq!(serde_json::from_str::<PhoneNumber>(&json).ok(), Some(phone.clone()));
    Ok(())
}

pub(super) fn check_passport(passport: &PassportNumber) -> Result<(), TestCaseError> {
    let full = passport.to_string();
    prop_assert!((6..=9).contains(&full.len()), "{full}");
    prop_assert!(full.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()), "{full}");
    prop_assert!(full.chars().any(|c| c.is_ascii_digit()), "{full}");
    prop_assert_eq!(PassportNumber::parse(&full), Ok(passport.clone()), "round trip");
    check_mask(&full, &passport.masked(), &format!("{passport:?}"), 1, 3)?;
    let json = serde_json::to_string(passport).unwrap();
    prop_assert_eq!(serde_json::from_str::<PassportNumber>(&json).ok(), Some(passport.clone()));
    Ok(())
}

/// A mask keeps `head` and `tail` characters, hides the rest with `*`, and neither it nor the
/// `Debug` form shows the full value.
pub(super) fn check_mask(full: &str, masked: &str, debug: &str, head: usize, tail: usize) -> Result<(), TestCaseError> {
    prop_assert_eq!(masked.chars().count(), full.chars().count());
    prop_assert!(!masked.contains(full), "{masked} shows {full}");
    prop_assert!(!debug.contains(full), "{debug} shows {full}");
    prop_assert!(debug.contains(masked), "{debug} is not {masked}");
    let hidden = full.chars().count() - head - tail;
    prop_assert_eq!(masked.chars().filter(|&c| c == '*').count(), hidden, "{}", masked);
    prop_assert!(masked.starts_with(&full[..head]) && masked.ends_with(&full[full.len() - tail..]), "{masked}");
    Ok(())
}

pub(super) fn check_email(email: &Email) -> Result<(), TestCaseError> {
    let full = email.to_string();
    prop_assert_eq!(full.as_str(), email.as_str());
    let (_, domain) = full.rsplit_once('@').expect("an @");
    prop_assert_eq!(domain.to_ascii_lowercase(), domain, "the domain is lowercase");
    prop_assert_eq!(Email::parse(&full), Ok(email.clone()), "round trip of {:?}", full);
    let json = serde_json::to_string(email).unwrap();
    prop_assert_eq!(serde_json::from_str::<Email>(&json).ok(), Some(email.clone()));
    Ok(())
}

pub(super) fn check_date(date: NaiveDate, rules: &DateRules, today: NaiveDate) -> Result<(), TestCaseError> {
    let precision = |d: NaiveDate| if rules.month_only { d.with_day(1).unwrap() } else { d };
    if let Some(earliest) = rules.earliest {
        prop_assert!(date >= precision(earliest), "{date} before {earliest}");
    }
    if let Some(latest) = rules.latest {
        prop_assert!(date <= precision(latest), "{date} after {latest}");
    }
    if rules.month_only {
        prop_assert_eq!(date.day(), 1);
    } else if let Some(calendar) = rules.working_days {
        prop_assert!(calendar.day_off(date).is_none(), "{date}");
    }
    let shown = if rules.month_only { date.format("%Y-%m").to_string() } else { date.format("%Y-%m-%d").to_string() };
    prop_assert_eq!(parse_date(&shown, rules, today), Ok(date), "round trip of {}", shown);
    Ok(())
}

pub(super) fn check_integer(value: i64, min: i64, max: i64) -> Result<(), TestCaseError> {
    prop_assert!((min..=max).contains(&value), "{value} not in {min}..={max}");
    prop_assert_eq!(parse_integer(&value.to_string(), min, max), Ok(value), "round trip");
    Ok(())
}

pub(super) fn check_text(
    text: &str,
    min: usize,
    max: usize,
    pattern: Option<&regex::Regex>,
) -> Result<(), TestCaseError> {
    let count = text.chars().count();
    prop_assert!((min..=max).contains(&count), "{count} characters");
    prop_assert_eq!(clean(text), text, "a text answer is clean");
    prop_assert!(!text.chars().any(char::is_control), "{:?}", text);
    prop_assert!(text.trim() == text && !text.contains("  "), "{:?}", text);
    if let Some(pattern) = pattern {
        prop_assert!(pattern.is_match(text), "{:?}", text);
    }
    prop_assert_eq!(parse_text(text, min, max, pattern), Ok(text.to_owned()), "round trip");
    Ok(())
}

/// Every error explains itself in both languages.
pub(super) fn check_reason(reason: &impl Reason) -> Result<(), TestCaseError> {
    let reason = reason.reason();
    prop_assert!(!reason.zh.trim().is_empty() && !reason.en.trim().is_empty());
    Ok(())
}

/// Date rules with bounds near the test day, or none.
pub(super) fn date_bound() -> BoxedStrategy<Option<NaiveDate>> {
    prop_oneof![
        2 => Just(None),
        3 => (-4000i64..4000).prop_map(|days| today().checked_add_signed(chrono::TimeDelta::days(days))),
        1 => Just(Some(NaiveDate::MIN)),
        1 => Just(Some(NaiveDate::MAX)),
    ]
    .boxed()
}

pub(super) fn date_rules() -> BoxedStrategy<DateRules<'static>> {
    (date_bound(), date_bound(), any::<bool>(), any::<bool>())
        .prop_map(|(earliest, latest, working_days_only, month_only)| DateRules {
            earliest,
            latest,
            working_days: working_days_only.then(|| flows().holidays()),
            month_only,
        })
        .boxed()
}

/// Integer bounds: small, typical of the forms, or anywhere in i64.
pub(super) fn integer_range() -> BoxedStrategy<(i64, i64)> {
    prop_oneof![
        3 => (0i64..3, 3i64..100),
        2 => (-100i64..100, -100i64..100).prop_map(|(a, b)| (a.min(b), a.max(b))),
        1 => (any::<i64>(), any::<i64>()).prop_map(|(a, b)| (a.min(b), a.max(b))),
        1 => Just((i64::MIN, i64::MAX)),
    ]
    .boxed()
}

pub(super) const TEXT_PATTERNS: &[Option<&str>] = &[
    None,
    None,
    Some(r"^[0-9]{6}$"),
    Some(r"^[0-9A-Za-z\-()（）〔〕\[\]第号號字 ]+$"),
    Some(r"^[A-Za-z][A-Za-z .'-]*[A-Za-z.]$"),
    Some(r"."),
    Some(r"^$"),
    Some(r"\p{Han}"),
];

pub(super) fn text_rules() -> BoxedStrategy<(usize, usize, Option<regex::Regex>)> {
    (0usize..6, prop_oneof![0usize..40, 40usize..=MAX_TEXT_CHARS], select(TEXT_PATTERNS))
        .prop_map(|(min, extra, pattern)| (min, min + extra, pattern.map(|p| regex::Regex::new(p).unwrap())))
        .boxed()
}

/// Runs every parser on `raw`, checking the properties of whatever parses.
pub(super) fn all_parsers(
    raw: &str,
    rules: &DateRules,
    (min, max): (i64, i64),
    text: &(usize, usize, Option<regex::Regex>),
) -> Result<(), TestCaseError> {
    let today = today();
    match IdCardNumber::parse(raw, today) {
        Ok(id) => check_id_card(&id, today)?,
        Err(error) => check_reason(&error)?,
    }
    match PhoneNumber::parse(raw) {
        Ok(phone) => check_phone(&phone)?,
        Err(error) => check_reason(&error)?,
    }
    match PassportNumber::parse(raw) {
        Ok(passport) => check_passport(&passport)?,
        Err(error) => check_reason(&error)?,
    }
    match Email::parse(raw) {
        Ok(email) => check_email(&email)?,
        Err(error) => check_reason(&error)?,
    }
    match parse_date(raw, rules, today) {
        Ok(date) => check_date(date, rules, today)?,
        Err(error) => check_reason(&error)?,
    }
    match parse_integer(raw, min, max) {
        Ok(value) => check_integer(value, min, max)?,
        Err(error) => check_reason(&error)?,
    }
    let (text_min, text_max, pattern) = text;
    match parse_text(raw, *text_min, *text_max, pattern.as_ref()) {
        Ok(answer) => check_text(&answer, *text_min, *text_max, pattern.as_ref())?,
        Err(error) => check_reason(&error)?,
    }
    Ok(())
}
