//! Field kinds (section 1): every parser on arbitrary text and on almost-valid answers.

use super::*;

#[test]
fn field_parsers_take_arbitrary_text() {
    let strategy = (garbage(3), date_rules(), integer_range(), text_rules());
    check(
        "field kinds: arbitrary text",
        ProptestConfig { cases: 20_000, ..base() },
        strategy,
        |(raw, rules, range, text)| {
            all_parsers(&raw, &rules, range, &text)?;
            Ok(1)
        },
    );
}

/// How an ID card number is typed: returns the text and whether it still reads as the number.
pub(super) fn decorate_id(number: &str, style: u8, noise: char) -> (String, bool) {
    match style {
        0 => (number.to_owned(), true),
        1 => (format!("{} {} {}", &number[..6], &number[6..14], &number[14..]), true),
        2 => (full_width(number), true),
        3 => (format!(" \u{200B}{number}\u{0}\n\t"), true),
        4 => (number.to_lowercase(), true),
        5 => (format!("{}-{}-{}", &number[..6], &number[6..14], &number[14..]), false),
        6 => (format!("身份证{number}"), false),
        7 => (format!("{number}{}", if noise.is_ascii_digit() { noise } else { '7' }), false),
        _ => (format!("{number}{noise}"), noise.is_whitespace() || clean(&noise.to_string()).is_empty()),
    }
}

#[test]
fn id_card_numbers_almost_valid() {
    let strategy = (
        prop_oneof![4 => select(&REGIONS[..]), 1 => 0u32..100],
        0u32..10_000,
        prop_oneof![6 => 1900i32..=2026, 1 => 1800i32..1900, 1 => 2026i32..=2030, 1 => 0i32..=9999],
        prop_oneof![6 => 1u32..=12, 1 => 0u32..=99],
        prop_oneof![5 => 1u32..=28, 2 => 29u32..=31, 1 => 0u32..=99],
        0u32..1000,
        0u8..7,
        0u8..9,
        any::<char>(),
    );
    check(
        "field kinds: ID card numbers",
        ProptestConfig { cases: 12_000, ..base() },
        strategy,
        |(region, area, year, month, day, sequence, check_mode, style, noise)| {
            let body = format!("{region:02}{area:04}{year:04}{month:02}{day:02}{sequence:03}");
            let right = check_character(&body);
            let check = match check_mode {
                0..=3 => right,
                4 => char::from_digit((right.to_digit(10).unwrap_or(10) + 1) % 10, 10).unwrap(),
                5 => 'x',
                _ => noise,
            };
            let number = format!("{body}{check}");
            let birth = NaiveDate::from_ymd_opt(year, month, day);
            let typed_check = fold_width(&check.to_string()).to_ascii_uppercase();
            let valid = is_region(region)
                && birth.is_some_and(|b| b.year() >= 1900 && b <= today())
                && typed_check == right.to_string();
            let (raw, readable) = decorate_id(&number, style, noise);
            let parsed = IdCardNumber::parse(&raw, today());
            let expected = (valid && readable).then(|| format!("{body}{right}"));
            // A check character that cleaning removes lets decorations stand in for it.
            if !clean(&check.to_string()).is_empty() {
                prop_assert_eq!(parsed.as_ref().ok().map(|id| id.to_string()), expected, "{:?}: {:?}", raw, parsed);
            }
            if let Ok(id) = &parsed {
                check_id_card(id, today())?;
            }
            all_parsers(&raw, &DateRules::default(), (0, 99), &(1, 100, None))?;
            Ok(1)
        },
    );
}

pub(super) const COUNTRY_CODES: &[(&str, bool)] = &[
    ("", true),
    ("", true),
    ("+86", true),
    ("+86 ", true),
    ("(+86) ", true),
    ("0086", true),
    ("86", true),
    ("+1", false),
    ("+852", false),
    ("+", false),
    ("8686", false),
    ("+860", false),
];

pub(super) fn decorate_phone(national: &str, style: u8) -> (String, bool) {
    let (a, b, c) = (&national[..3], &national[3..7], &national[7..]);
    match style {
        0 => (national.to_owned(), true),
        1 => (format!("{a} {b} {c}"), true),
        2 => (format!("{a}-{b}-{c}"), true),
        3 => (full_width(national), true),
        4 => (format!("({a}) {b}-{c}"), true),
        5 => (format!("\u{3000}{a}\u{200B}{b}\u{3000}{c}\n"), true),
        6 => (format!("{a}.{b}.{c}"), false),
        7 => (format!("电话{national}"), false),
        _ => (national.replace('0', "O"), !national.contains('0')),
    }
}

#[test]
fn phone_numbers_almost_valid() {
    let strategy = (
        prop_oneof![6 => 130u32..200, 1 => 100u32..130, 1 => 0u32..100],
        0u32..100_000_000,
        select(COUNTRY_CODES),
        0u8..9,
        prop_oneof![8 => Just(0usize), 1 => 1usize..4],
    );
    check(
        "field kinds: phone numbers",
        ProptestConfig { cases: 10_000, ..base() },
        strategy,
        |(prefix, rest, (code, code_ok), style, extra_digits)| {
            let national = format!("{prefix:03}{rest:08}{}", "5".repeat(extra_digits));
            let (typed, readable) = decorate_phone(&national, style);
            let raw = format!("{code}{typed}");
            let valid = readable && code_ok && extra_digits == 0 && is_mobile_prefix(prefix);
            let parsed = PhoneNumber::parse(&raw);
            prop_assert_eq!(
                parsed.as_ref().ok().map(|p| p.to_string()),
                valid.then(|| national.clone()),
                "{:?}: {:?}",
                raw,
                parsed
            );
            if let Ok(phone) = &parsed {
                check_phone(phone)?;
            }
            all_parsers(&raw, &DateRules::default(), (0, 99), &(1, 100, None))?;
            Ok(1)
        },
    );
}

#[test]
fn passport_numbers_almost_valid() {
    let strategy = (
        prop_oneof![4 => "[A-Z]{1,2}[0-9]{5,8}", 2 => "[A-Za-z0-9]{0,12}", 1 => "[0-9A]{6,9}"],
        0u8..8,
        any::<usize>(),
    );
    check("field kinds: passport numbers", ProptestConfig { cases: 6_000, ..base() }, strategy, |(core, style, at)| {
        let split = if core.is_empty() { 0 } else { at % core.len() };
        let (raw, readable) = match style {
            0 => (core.clone(), true),
            1 => (core.to_lowercase(), true),
            2 => (format!("{}-{}", &core[..split], &core[split..]), true),
            3 => (format!(" {} {} ", &core[..split], &core[split..]), true),
            4 => (full_width(&core), true),
            5 => (format!("{core}."), false),
            6 => (format!("护照{core}"), false),
            _ => (format!("{}_{}", &core[..split], &core[split..]), false),
        };
        let upper = core.to_uppercase();
        let valid = readable
            && (6..=9).contains(&upper.len())
            && upper.chars().any(|c| c.is_ascii_digit())
            && !upper.chars().all(|c| upper.starts_with(c));
        let parsed = PassportNumber::parse(&raw);
        prop_assert_eq!(
            parsed.as_ref().ok().map(|p| p.to_string()),
            valid.then(|| upper.clone()),
            "{:?}: {:?}",
            raw,
            parsed
        );
        if let Ok(passport) = &parsed {
            check_passport(passport)?;
        }
        all_parsers(&raw, &DateRules::default(), (0, 99), &(1, 100, None))?;
        Ok(1)
    });
}

pub(super) const LOCAL_PARTS: &[&str] = &[
    "name",
    "Zhang.San",
    "first.last+tag",
    "a",
    "zhang_san-1",
    "张三",
    "\"quoted name\"",
    "\"a@b\"",
    ".dot",
    "dot.",
    "a..b",
    "",
    " ",
    "ｎａｍｅ",
    "name\u{200B}",
    "ÄÖÜ",
    "x'y",
    "a\"b",
];
pub(super) const LABELS: &[&str] = &[
    "example",
    "EXAMPLE",
    "Example",
    "qq",
    "163",
    "例子",
    "中国",
    "İstanbul",
    "MÜNCHEN",
    "ΣΊΣΥΦΟΣ",
    "xn--fiqs8s",
    "a",
    "-bad",
    "bad-",
    "",
    "a-b",
    "\u{212A}elvin",
    "ǅ",
    "Ꭰ",
    "ß",
    "ﬀ",
    "[127.0.0.1]",
    "localhost",
];
pub(super) const TOP_LEVEL: &[&str] = &["com", "COM", "cn", "org", "中国", "c", "123", "", "co.uk", "İO"];
pub(super) const AT_SIGNS: &[&str] = &["@", "@", "@", "＠", "@@", "", " @ "];

#[test]
fn email_addresses_almost_valid() {
    let strategy = (
        prop_oneof![3 => select(LOCAL_PARTS).prop_map(str::to_owned), 1 => "[a-zA-Z0-9._%+\\-]{0,70}"],
        select(AT_SIGNS),
        vec(prop_oneof![3 => select(LABELS).prop_map(str::to_owned), 1 => "[a-zA-Z0-9\\-]{0,70}"], 0..4),
        select(TOP_LEVEL),
        prop_oneof![8 => Just(String::new()), 1 => piece()],
    );
    check(
        "field kinds: e-mail addresses",
        ProptestConfig { cases: 8_000, ..base() },
        strategy,
        |(local, at, labels, top, noise)| {
            let mut domain = labels.join(".");
            if !top.is_empty() {
                domain = if domain.is_empty() { top.to_owned() } else { format!("{domain}.{top}") };
            }
            let raw = format!("{local}{at}{domain}{noise}");
            if let Ok(email) = Email::parse(&raw) {
                check_email(&email)?;
            }
            all_parsers(&raw, &DateRules::default(), (0, 99), &(1, 100, None))?;
            Ok(1)
        },
    );
}

/// The formats dates are typed in: (format, has a day).
pub(super) fn typed_date(year: i32, month: u32, day: u32, style: u8) -> (String, bool) {
    match style {
        0 => (format!("{year:04}-{month:02}-{day:02}"), true),
        1 => (format!("{year:04}/{month}/{day}"), true),
        2 => (format!("{year:04}.{month}.{day}"), true),
        3 => (format!("{year:04}{month:02}{day:02}"), true),
        4 => (format!("{year:04}年{month}月{day}日"), true),
        5 => (format!("{year:04}年{month:02}月{day:02}号"), true),
        6 => (format!("{year:04}-{month:02}"), false),
        7 => (format!("{year:04}年{month}月"), false),
        8 => (full_width(&format!("{year:04}-{month:02}-{day:02}")), true),
        _ => (format!(" {year:04} 年 {month} 月 {day} 日\u{200B}"), true),
    }
}

pub(super) const RELATIVE: &[(&str, u64)] =
    &[("今天", 0), ("today", 0), (" Today ", 0), ("明天", 1), ("TOMORROW", 1), ("后天", 2), ("後天", 2)];

/// What `parse_date` must answer for a calendar date typed without mistakes.
pub(super) fn expected_date(date: Option<NaiveDate>, has_day: bool, rules: &DateRules) -> Option<NaiveDate> {
    if !has_day && !rules.month_only {
        return None;
    }
    let precision = |d: NaiveDate| if rules.month_only { d.with_day(1).unwrap() } else { d };
    let date = precision(date?);
    if rules.earliest.is_some_and(|e| date < precision(e)) || rules.latest.is_some_and(|l| date > precision(l)) {
        return None;
    }
    if !rules.month_only && rules.working_days.is_some_and(|calendar| calendar.day_off(date).is_some()) {
        return None;
    }
    Some(date)
}

#[test]
fn dates_almost_valid() {
    let strategy = (
        prop_oneof![6 => 2000i32..2060, 1 => 0i32..=9999],
        prop_oneof![6 => 1u32..=12, 1 => 0u32..=99],
        prop_oneof![6 => 1u32..=28, 2 => 29u32..=31, 1 => 0u32..=99],
        0u8..12,
        date_rules(),
        prop_oneof![8 => Just(String::new()), 1 => piece()],
    );
    check(
        "field kinds: dates",
        ProptestConfig { cases: 10_000, ..base() },
        strategy,
        |(year, month, day, style, rules, noise)| {
            let today = today();
            let (raw, expected) = if style >= 10 {
                let (word, days) = RELATIVE[(year as usize + day as usize) % RELATIVE.len()];
                (word.to_owned(), expected_date(today.checked_add_days(Days::new(days)), true, &rules))
            } else {
                let (typed, has_day) = typed_date(year, month, day, style);
                let calendar = if has_day {
                    NaiveDate::from_ymd_opt(year, month, day)
                } else {
                    NaiveDate::from_ymd_opt(year, month, 1)
                };
                (typed, expected_date(calendar, has_day, &rules))
            };
            let parsed = parse_date(&format!("{raw}{noise}"), &rules, today);
            if noise.is_empty() {
                prop_assert_eq!(parsed.as_ref().ok(), expected.as_ref(), "{:?} with {:?}: {:?}", raw, rules, parsed);
            }
            match parsed {
                Ok(date) => check_date(date, &rules, today)?,
                Err(error) => check_reason(&error)?,
            }
            all_parsers(&raw, &rules, (0, 99), &(1, 100, None))?;
            Ok(1)
        },
    );
}

#[test]
fn integers_almost_valid() {
    // i64::MIN is left out: its magnitude does not fit an i64, so it never parses (TooLarge).
    let number = || prop_oneof![4 => -20i64..120, 1 => any::<i64>().prop_map(|n| n.max(i64::MIN + 1)), 1 => Just(i64::MAX), 1 => Just(i64::MIN + 1)];
    let strategy = (number(), number(), 0u8..14, integer_range(), prop_oneof![8 => Just(String::new()), 1 => piece()]);
    check(
        "field kinds: integers",
        ProptestConfig { cases: 8_000, ..base() },
        strategy,
        |(n, other, style, (min, max), noise)| {
            let (raw, exact) = match style {
                0 => (n.to_string(), Some(n)),
                1 => (format!("{n}人"), Some(n)),
                2 => (format!("共 {n} 个"), Some(n)),
                3 => (full_width(&n.to_string()), Some(n)),
                4 if (0..=99).contains(&n) => (chinese_numeral(n), Some(n)),
                5 => (format!("{n}.5"), None),
                6 => (format!("{n}万"), None),
                7 => (format!("{n}或{other}"), None),
                8 => (format!("{n}-{other}"), None),
                9 => ("没有".to_owned(), Some(0)),
                10 => ("none".to_owned(), Some(0)),
                11 => (format!("{n}{}", "9".repeat(20)), None),
                _ => (format!("{n} {other}"), None),
            };
            let raw = format!("{raw}{noise}");
            let parsed = parse_integer(&raw, min, max);
            if let (Some(value), true) = (exact, noise.is_empty()) {
                let in_range = (min..=max).contains(&value);
                prop_assert_eq!(parsed.as_ref().ok(), in_range.then_some(&value), "{:?} in {}..={}", raw, min, max);
            }
            match parsed {
                Ok(value) => check_integer(value, min, max)?,
                Err(error) => check_reason(&error)?,
            }
            all_parsers(&raw, &DateRules::default(), (min, max), &(1, 100, None))?;
            Ok(1)
        },
    );
}

#[test]
fn free_text_answers() {
    let strategy = (garbage(2), text_rules());
    check(
        "field kinds: free text",
        ProptestConfig { cases: 6_000, ..base() },
        strategy,
        |(raw, (min, max, pattern))| {
            match parse_text(&raw, min, max, pattern.as_ref()) {
                Ok(text) => check_text(&text, min, max, pattern.as_ref())?,
                Err(error) => check_reason(&error)?,
            }
            Ok(1)
        },
    );
}
