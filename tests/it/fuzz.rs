//! Property and fuzz tests: the field parsers, language detection, the policy answerer, flow
//! definitions, the dialog engine and the bot core on SQLite, fed with arbitrary and almost-valid
//! input. Beyond "no panic", each checks what must hold of every result: a parsed value re-parses
//! from its own display, a mask hides the identifier, and a form's state stays one the engine can
//! reach honestly (a step of the flow, answers of the right kind, a complete filing).
//!
//! Each test prints how many inputs it tried (`fuzz: <what>: N inputs`). Oddities that are not
//! failures (e.g. a script conversion that changes a text's length) are counted and printed as
//! `fuzz: <what>: finding …`.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use policybot::assets::Assets;
use policybot::bot::Sender;
use policybot::dialog::Flows;
use policybot::dialog::engine::{self, Context, DialogState, Effect, Input, Outcome, Stage};
use policybot::dialog::fields::{
    DateRules, Email, IdCardNumber, PassportNumber, PhoneNumber, Reason, parse_date, parse_integer, parse_text,
};
use policybot::dialog::flow::{Flow, Kind, MAX_TEXT_CHARS, NONE, Step};
use policybot::dialog::value::{FileRef, Value};
use policybot::lang::{Lang, Scripts};
use policybot::messages::Message;
use policybot::policy::TierTable;
use policybot::reply::Reply;
use policybot::store::{applications, users};
use policybot::text::{clean, fold_width, truncate};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{TestCaseError, TestRunner};

use crate::helpers::{self, STAFF_CHAT, STAFF_MEMBER, TestApp, policy, spawn_app};

// ---------------------------------------------------------------------------------------------
// Running

/// The settings every test shares: no regression files written next to the sources, and a bound
/// on shrinking so that a failure is reported in reasonable time.
fn base() -> ProptestConfig {
    ProptestConfig { failure_persistence: None, max_shrink_time: 60_000, ..ProptestConfig::default() }
}

/// Runs `test` on `config.cases` values of `strategy`; `test` returns how many inputs the value
/// stood for. Panics with the (shrunk) failing value; prints the number of inputs tried.
fn check<S: Strategy>(
    what: &str,
    config: ProptestConfig,
    strategy: S,
    test: impl Fn(S::Value) -> Result<usize, TestCaseError>,
) -> usize {
    let tried = Cell::new(0usize);
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |value| {
        let inputs = test(value)?;
        tried.set(tried.get() + inputs);
        Ok(())
    });
    REACHED.with(|reached| {
        let reached = std::mem::take(&mut *reached.borrow_mut());
        if !reached.is_empty() {
            let list: Vec<String> = reached.iter().map(|(what, count)| format!("{what} {count}")).collect();
            eprintln!("fuzz: {what}: reached: {}", list.join(", "));
        }
    });
    if let Err(error) = result {
        panic!("{what}: {error}");
    }
    eprintln!("fuzz: {what}: {} inputs", tried.get());
    tried.get()
}

thread_local! {
    /// How often a test got somewhere worth getting to (a filing, a correction), per test thread.
    static REACHED: RefCell<BTreeMap<&'static str, usize>> = RefCell::default();
}

/// Counts a place a test got to, to show that random input goes deep.
fn reached(what: &'static str) {
    REACHED.with(|reached| *reached.borrow_mut().entry(what).or_default() += 1);
}

/// Counts of oddities that do not fail the suite, printed at the end of a test.
#[derive(Default)]
struct Findings(RefCell<BTreeMap<&'static str, (usize, String)>>);

impl Findings {
    fn note(&self, what: &'static str, example: impl FnOnce() -> String) {
        let mut findings = self.0.borrow_mut();
        let entry = findings.entry(what).or_insert_with(|| (0, example()));
        entry.0 += 1;
    }

    fn print(&self, test: &str) {
        for (what, (count, example)) in std::mem::take(&mut *self.0.borrow_mut()) {
            eprintln!("fuzz: {test}: finding ({count}×) {what}; e.g. {example}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared data

/// The day the tests live on (the helpers' clock).
fn today() -> NaiveDate {
    helpers::clock().today()
}

/// The shipped forms, loaded once.
fn flows() -> &'static Flows {
    static FLOWS: OnceLock<Flows> = OnceLock::new();
    FLOWS.get_or_init(|| Flows::load(&Assets::dialogs(None), policy().tiers()).expect("the shipped dialogs load"))
}

fn scripts() -> &'static Scripts {
    policy().scripts()
}

fn tiers() -> &'static TierTable {
    policy().tiers()
}

const LANGS: [Lang; 3] = [Lang::Zh, Lang::ZhHant, Lang::En];

/// The province-level region codes an ID card number may start with (GB/T 2260).
const REGIONS: [u32; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82,
];

fn is_region(code: u32) -> bool {
    REGIONS.contains(&code)
}

/// Whether a three-digit prefix is allocated to mobile networks.
fn is_mobile_prefix(prefix: u32) -> bool {
    matches!(
        prefix,
        130..=139 | 145..=149 | 150..=153 | 155..=159 | 162 | 165..=167 | 170..=178 | 180..=189 | 190..=193 | 195..=199
    )
}

/// The ISO 7064 MOD 11-2 check character of a 17-digit body.
fn check_character(body: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize]
}

/// Full-width forms of ASCII digits and letters, as a Chinese input method types them.
fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_graphic() { char::from_u32(c as u32 + 0xFEE0).unwrap_or(c) } else { c })
        .collect()
}

/// A Chinese numeral for 0..=99.
fn chinese_numeral(n: i64) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n as usize].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", DIGITS[(n % 10) as usize]),
        _ if n % 10 == 0 => format!("{}十", DIGITS[(n / 10) as usize]),
        _ => format!("{}十{}", DIGITS[(n / 10) as usize], DIGITS[(n % 10) as usize]),
    }
}

/// The texts of the apology for an internal error, in every language.
fn apologies() -> &'static [String] {
    static APOLOGIES: OnceLock<Vec<String>> = OnceLock::new();
    APOLOGIES.get_or_init(|| LANGS.iter().map(|&lang| Message::Internal.render(lang, policy())).collect())
}

// ---------------------------------------------------------------------------------------------
// Strategies for text

/// Pieces that break parsers: controls, bidi marks, emoji, look-alikes, injections, commands.
const SNIPPETS: &[&str] = &[
    "",
    " ",
    "  ",
    "\u{0}",
    "\u{7}",
    "\u{1b}[31m",
    "\n",
    "\r\n",
    "\t",
    "\u{3000}",
    "\u{a0}",
    "\u{200B}",
    "\u{200D}",
    "\u{200E}",
    "\u{200F}",
    "\u{202E}",
    "\u{2066}",
    "\u{2069}",
    "\u{061C}",
    "\u{FEFF}",
    "\u{FFFD}",
    "\u{10FFFF}",
    "\u{E000}",
    "😀",
    "👨‍👩‍👧‍👦",
    "🇨🇳",
    "☺\u{FE0F}",
    "e\u{301}",
    "é",
    "İ",
    "ß",
    "ﬁ",
    "\u{212A}",
    "Σ",
    "١٢٣",
    "۱۲۳",
    "𝟏𝟐𝟑",
    "①②",
    "Ⅻ",
    "１３８",
    "Ｘ",
    "ｘ",
    "＠",
    "－",
    "．",
    "（",
    "）",
    "〇",
    "零",
    "十",
    "两",
    "兩",
    "百",
    "万",
    "亿",
    "'; DROP TABLE users; --",
    "\" OR 1=1 --",
    "<script>alert(1)</script>",
    "<b>粗</b>",
    "&amp;&lt;",
    "${jndi:ldap://x}",
    "%s%n%x",
    "{{7*7}}",
    "../../etc/passwd",
    "\\",
    "\"",
    "NULL",
    "取消",
    "返回",
    "跳过",
    "跳過",
    "修改",
    "修改 2",
    "确认",
    "帮助",
    "cancel",
    "back",
    "skip",
    "edit",
    "confirm",
    "help",
    "/start",
    "/",
    "?",
    "？",
    "yes",
    "no",
    "是",
    "否",
    "没有",
    "none",
    "done",
    "choose:",
    "tick:",
    "edit:",
    "start:",
    "menu:",
    "lang:",
    "amend:",
    "staff:",
    "13800138000",
    "+86",
    "0086",
    "11010519491231002X",
    "x",
    "2026-12-01",
    "2026年12月",
    "20261201",
    "明天",
    "today",
    "E12345678",
    "name@example.com",
    "@",
    "3",
    "-",
    ".",
    "2.5",
    "9223372036854775808",
    "人才公寓",
    "落户",
    "個稅",
    "签证",
    "A类",
];

fn snippet() -> BoxedStrategy<String> {
    select(SNIPPETS).prop_map(str::to_owned).boxed()
}

/// One piece of garbage: a snippet, random Unicode, random bytes read leniently, or
/// almost-structured characters.
fn piece() -> BoxedStrategy<String> {
    prop_oneof![
        4 => snippet(),
        2 => any::<String>(),
        2 => vec(any::<char>(), 0..16).prop_map(|chars| chars.into_iter().collect()),
        1 => vec(any::<u8>(), 0..40).prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
        2 => "[0-9xX +()\\-.]{0,22}",
        1 => "[a-zA-Z0-9@._+\\-]{0,26}",
        1 => "[\u{4e00}-\u{9fff}]{0,10}",
    ]
    .boxed()
}

/// Several pieces joined.
fn short_text() -> BoxedStrategy<String> {
    vec(piece(), 0..5).prop_map(|pieces| pieces.concat()).boxed()
}

/// 10,000 characters or more: one piece repeated.
fn long_text() -> BoxedStrategy<String> {
    (piece(), any::<char>(), 10_000usize..10_300)
        .prop_map(|(piece, filler, length)| {
            let unit = if piece.is_empty() { filler.to_string() } else { piece };
            let per_unit = unit.chars().count().max(1);
            unit.repeat(length.div_ceil(per_unit))
        })
        .boxed()
}

/// Arbitrary text, now and then very long.
fn garbage(long_weight: u32) -> BoxedStrategy<String> {
    prop_oneof![1000 => short_text(), long_weight => long_text()].boxed()
}

// ---------------------------------------------------------------------------------------------
// Properties of parsed values

fn check_id_card(id: &IdCardNumber, today: NaiveDate) -> Result<(), TestCaseError> {
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

fn check_phone(phone: &PhoneNumber) -> Result<(), TestCaseError> {
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

fn check_passport(passport: &PassportNumber) -> Result<(), TestCaseError> {
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
fn check_mask(full: &str, masked: &str, debug: &str, head: usize, tail: usize) -> Result<(), TestCaseError> {
    prop_assert_eq!(masked.chars().count(), full.chars().count());
    prop_assert!(!masked.contains(full), "{masked} shows {full}");
    prop_assert!(!debug.contains(full), "{debug} shows {full}");
    prop_assert!(debug.contains(masked), "{debug} is not {masked}");
    let hidden = full.chars().count() - head - tail;
    prop_assert_eq!(masked.chars().filter(|&c| c == '*').count(), hidden, "{}", masked);
    prop_assert!(masked.starts_with(&full[..head]) && masked.ends_with(&full[full.len() - tail..]), "{masked}");
    Ok(())
}

fn check_email(email: &Email) -> Result<(), TestCaseError> {
    let full = email.to_string();
    prop_assert_eq!(full.as_str(), email.as_str());
    let (_, domain) = full.rsplit_once('@').expect("an @");
    prop_assert_eq!(domain.to_ascii_lowercase(), domain, "the domain is lowercase");
    prop_assert_eq!(Email::parse(&full), Ok(email.clone()), "round trip of {:?}", full);
    let json = serde_json::to_string(email).unwrap();
    prop_assert_eq!(serde_json::from_str::<Email>(&json).ok(), Some(email.clone()));
    Ok(())
}

fn check_date(date: NaiveDate, rules: &DateRules, today: NaiveDate) -> Result<(), TestCaseError> {
    let precision = |d: NaiveDate| if rules.month_only { d.with_day(1).unwrap() } else { d };
    if let Some(earliest) = rules.earliest {
        prop_assert!(date >= precision(earliest), "{date} before {earliest}");
    }
    if let Some(latest) = rules.latest {
        prop_assert!(date <= precision(latest), "{date} after {latest}");
    }
    if rules.month_only {
        prop_assert_eq!(date.day(), 1);
    } else if rules.working_days_only {
        prop_assert!(!matches!(date.weekday(), Weekday::Sat | Weekday::Sun), "{date}");
    }
    let shown = if rules.month_only { date.format("%Y-%m").to_string() } else { date.format("%Y-%m-%d").to_string() };
    prop_assert_eq!(parse_date(&shown, rules, today), Ok(date), "round trip of {}", shown);
    Ok(())
}

fn check_integer(value: i64, min: i64, max: i64) -> Result<(), TestCaseError> {
    prop_assert!((min..=max).contains(&value), "{value} not in {min}..={max}");
    prop_assert_eq!(parse_integer(&value.to_string(), min, max), Ok(value), "round trip");
    Ok(())
}

fn check_text(text: &str, min: usize, max: usize, pattern: Option<&regex::Regex>) -> Result<(), TestCaseError> {
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
fn check_reason(reason: &impl Reason) -> Result<(), TestCaseError> {
    let reason = reason.reason();
    prop_assert!(!reason.zh.trim().is_empty() && !reason.en.trim().is_empty());
    Ok(())
}

/// Date rules with bounds near the test day, or none.
fn date_bound() -> BoxedStrategy<Option<NaiveDate>> {
    prop_oneof![
        2 => Just(None),
        3 => (-4000i64..4000).prop_map(|days| today().checked_add_signed(chrono::TimeDelta::days(days))),
        1 => Just(Some(NaiveDate::MIN)),
        1 => Just(Some(NaiveDate::MAX)),
    ]
    .boxed()
}

fn date_rules() -> BoxedStrategy<DateRules> {
    (date_bound(), date_bound(), any::<bool>(), any::<bool>())
        .prop_map(|(earliest, latest, working_days_only, month_only)| DateRules {
            earliest,
            latest,
            working_days_only,
            month_only,
        })
        .boxed()
}

/// Integer bounds: small, typical of the forms, or anywhere in i64.
fn integer_range() -> BoxedStrategy<(i64, i64)> {
    prop_oneof![
        3 => (0i64..3, 3i64..100),
        2 => (-100i64..100, -100i64..100).prop_map(|(a, b)| (a.min(b), a.max(b))),
        1 => (any::<i64>(), any::<i64>()).prop_map(|(a, b)| (a.min(b), a.max(b))),
        1 => Just((i64::MIN, i64::MAX)),
    ]
    .boxed()
}

const TEXT_PATTERNS: &[Option<&str>] = &[
    None,
    None,
    Some(r"^[0-9]{6}$"),
    Some(r"^[0-9A-Za-z\-()（）〔〕\[\]第号號字 ]+$"),
    Some(r"^[A-Za-z][A-Za-z .'-]*[A-Za-z.]$"),
    Some(r"."),
    Some(r"^$"),
    Some(r"\p{Han}"),
];

fn text_rules() -> BoxedStrategy<(usize, usize, Option<regex::Regex>)> {
    (0usize..6, prop_oneof![0usize..40, 40usize..=MAX_TEXT_CHARS], select(TEXT_PATTERNS))
        .prop_map(|(min, extra, pattern)| (min, min + extra, pattern.map(|p| regex::Regex::new(p).unwrap())))
        .boxed()
}

/// Runs every parser on `raw`, checking the properties of whatever parses.
fn all_parsers(
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

// ---------------------------------------------------------------------------------------------
// 1. Field kinds

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
fn decorate_id(number: &str, style: u8, noise: char) -> (String, bool) {
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

const COUNTRY_CODES: &[(&str, bool)] = &[
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

fn decorate_phone(national: &str, style: u8) -> (String, bool) {
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

const LOCAL_PARTS: &[&str] = &[
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
const LABELS: &[&str] = &[
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
const TOP_LEVEL: &[&str] = &["com", "COM", "cn", "org", "中国", "c", "123", "", "co.uk", "İO"];
const AT_SIGNS: &[&str] = &["@", "@", "@", "＠", "@@", "", " @ "];

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
fn typed_date(year: i32, month: u32, day: u32, style: u8) -> (String, bool) {
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

const RELATIVE: &[(&str, u64)] =
    &[("今天", 0), ("today", 0), (" Today ", 0), ("明天", 1), ("TOMORROW", 1), ("后天", 2), ("後天", 2)];

/// What `parse_date` must answer for a calendar date typed without mistakes.
fn expected_date(date: Option<NaiveDate>, has_day: bool, rules: &DateRules) -> Option<NaiveDate> {
    if !has_day && !rules.month_only {
        return None;
    }
    let precision = |d: NaiveDate| if rules.month_only { d.with_day(1).unwrap() } else { d };
    let date = precision(date?);
    if rules.earliest.is_some_and(|e| date < precision(e)) || rules.latest.is_some_and(|l| date > precision(l)) {
        return None;
    }
    if rules.working_days_only && !rules.month_only && matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
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

// ---------------------------------------------------------------------------------------------
// 2. Language detection and the policy answerer

const WORDS: &[&str] = &[
    "人才公寓",
    "落户",
    "户口",
    "個人所得稅",
    "个税",
    "签证",
    "簽證",
    "高层次人才",
    "A类",
    "B類",
    "世界技能大赛",
    "全国技术能手",
    "补贴",
    "申请",
    "怎么",
    "吗",
    "？",
    "我",
    "多少钱",
    "的",
    "apartment",
    "visa",
    "tax",
    "how",
    "apply",
    "Category A",
    "subsidy",
    "what",
    "is",
    "the",
    " ",
    "?",
    "湛江",
    "Zhanjiang",
];

fn question() -> BoxedStrategy<String> {
    prop_oneof![
        3 => vec(prop_oneof![4 => select(WORDS).prop_map(str::to_owned), 1 => piece()], 0..8).prop_map(|w| w.concat()),
        1 => garbage(2),
    ]
    .boxed()
}

#[test]
fn language_detection_and_cleaning_take_arbitrary_text() {
    let findings = Findings::default();
    let strategy = (question(), select(&LANGS[..]), 0usize..50);
    check(
        "language detection and text cleaning",
        ProptestConfig { cases: 16_000, ..base() },
        strategy,
        |(text, preferred, max)| {
            let scripts = scripts();
            let detected = scripts.detect(&text, preferred);
            prop_assert_eq!(scripts.detect(&text, preferred), detected, "deterministic");
            let han = text.chars().any(policybot::lang::is_han);
            let latin = text.split(|c: char| !c.is_ascii_alphabetic()).any(|word| word.len() >= 2);
            if !han {
                prop_assert_eq!(detected, if latin { Lang::En } else { preferred }, "{:?}", text);
            }
            if han && !latin {
                prop_assert!(detected.is_chinese(), "{:?} read as {:?}", text, detected);
            }
            let simplified = scripts.simplify(&text);
            let traditional = scripts.traditionalize(&text);
            if simplified.chars().count() != text.chars().count() || traditional.chars().count() != text.chars().count()
            {
                findings
                    .note("script conversion changes the character count (lang.rs count_changed assumes 1:1)", || {
                        format!("{text:?} -> {simplified:?} / {traditional:?}")
                    });
            }
            let cleaned = clean(&text);
            prop_assert_eq!(clean(&cleaned), cleaned.clone(), "clean is idempotent");
            prop_assert!(cleaned.trim() == cleaned && !cleaned.contains("  "), "{:?}", cleaned);
            prop_assert!(!cleaned.chars().any(char::is_control), "{:?}", cleaned);
            let folded = fold_width(&text);
            prop_assert_eq!(fold_width(&folded), folded.clone(), "fold_width is idempotent");
            let cut = truncate(&text, max);
            prop_assert!(text.starts_with(cut) && cut.chars().count() <= max);
            let _ = Lang::from_code(&text);
            for lang in LANGS {
                prop_assert_eq!(Lang::from_code(lang.code()), Some(lang));
            }
            Ok(1)
        },
    );
    findings.print("language detection");
}

#[test]
fn policy_answers_arbitrary_questions() {
    let strategy = (question(), select(&LANGS[..]));
    check("policy answers", ProptestConfig { cases: 2_000, ..base() }, strategy, |(question, preferred)| {
        let answer = policy().answer(&question, preferred).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(!answer.answer.trim().is_empty(), "{:?}", question);
        prop_assert_eq!(answer.lang, scripts().detect(&clean(&question), preferred));
        prop_assert_eq!(&answer.question, &question);
        if !answer.found {
            prop_assert!(answer.sources.is_empty());
        }
        Ok(1)
    });
}

// ---------------------------------------------------------------------------------------------
// The dialog engine: inputs and invariants

/// A tiny deterministic generator, for choosing an answer from a seed at run time (what is valid
/// depends on where the walk is, which the strategy cannot know).
struct Pick(u64);

impl Pick {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn chance(&mut self, in_ten: u64) -> bool {
        self.below(10) < in_ten
    }

    fn of<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// One thing a user does in a form.
#[derive(Debug, Clone)]
enum Action {
    /// A valid-looking answer to what is asked, chosen at run time from the seed.
    Valid(u64),
    /// A command word or button: back, skip, cancel, help, edit N, confirm.
    Command(&'static str, Option<u64>),
    /// A pressed button with this data.
    Button(String),
    /// A file.
    File { name: String, mime: String, size: u64 },
    /// Typed text.
    Text(String),
}

const COMMANDS: &[&str] = &[
    "返回",
    "back",
    "/back",
    "上一步",
    "跳过",
    "skip",
    "/skip",
    "跳過",
    "帮助",
    "help",
    "?",
    "修改",
    "edit",
    "修改N",
    "button:back",
    "button:skip",
    "button:confirm",
    "button:edit",
    "确认",
    "confirm",
    "/frobnicate",
    "/",
    "cancel",
    "取消",
    "button:cancel",
];

const MIMES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "application/pdf",
    "application/octet-stream",
    "application/x-msdownload",
    "",
    "IMAGE/JPEG",
    "text/html",
];

fn edit_number() -> BoxedStrategy<u64> {
    prop_oneof![4 => 0u64..20, 1 => Just(u64::MAX), 1 => Just(usize::MAX as u64), 1 => any::<u64>()].boxed()
}

fn file_size() -> BoxedStrategy<u64> {
    prop_oneof![4 => 0u64..5_000_000, 1 => 20u64 * 1024 * 1024 - 2..20 * 1024 * 1024 + 2, 1 => any::<u64>()].boxed()
}

fn button_data() -> BoxedStrategy<String> {
    let value = prop_oneof![
        2 => select(&["A", "B", "C", "other", "none", "done", "morning", "worldskills-winner", "xiashan", "1", ""][..])
            .prop_map(str::to_owned),
        1 => piece(),
    ];
    (select(&["choose:", "tick:", "edit:", "", "yes", "no", "start:", "confirm", "back"][..]), value)
        .prop_map(|(prefix, value)| format!("{prefix}{value}"))
        .boxed()
}

/// A user's actions; `cancel_weight` tunes how often a walk leaves the form.
fn action(cancel_weight: u32) -> BoxedStrategy<Action> {
    let commands = COMMANDS.iter().copied().filter(|c| !c.contains("cancel") && *c != "取消").collect::<Vec<_>>();
    let cancels = COMMANDS.iter().copied().filter(|c| c.contains("cancel") || *c == "取消").collect::<Vec<_>>();
    prop_oneof![
        14 => any::<u64>().prop_map(Action::Valid),
        4 => (select(commands), prop::option::of(edit_number())).prop_map(|(c, n)| Action::Command(c, n)),
        cancel_weight => select(cancels).prop_map(|c| Action::Command(c, None)),
        2 => button_data().prop_map(Action::Button),
        1 => (piece(), select(MIMES), file_size()).prop_map(|(name, mime, size)| Action::File {
            name,
            mime: mime.to_owned(),
            size
        }),
        3 => garbage(2).prop_map(Action::Text),
    ]
    .boxed()
}

fn file_ref(name: &str, mime: &str, size: u64) -> FileRef {
    FileRef { location: String::new(), name: name.to_owned(), mime: mime.to_owned(), size, sha256: "0".repeat(64) }
}

/// The input an action stands for in the current state.
fn input_for(action: &Action, flow: &Flow, state: &DialogState, ctx: &Context<'_>) -> Input {
    match action {
        Action::Valid(seed) => valid_input(flow, state, ctx, &mut Pick(*seed)),
        Action::Command(command, number) => {
            let number = number.unwrap_or(1);
            match *command {
                "修改" | "edit" => Input::Text(format!("{command} {number}")),
                "修改N" => Input::Text(format!("修改{number}")),
                "button:edit" => Input::Button(format!("edit:{number}")),
                button if button.starts_with("button:") => Input::Button(button["button:".len()..].to_owned()),
                text => Input::Text(text.to_owned()),
            }
        }
        Action::Button(data) => Input::Button(data.clone()),
        Action::File { name, mime, size } => Input::File(file_ref(name, mime, *size)),
        Action::Text(text) => Input::Text(text.clone()),
    }
}

/// A valid-looking answer to the current stage (now and then a near miss).
fn valid_input(flow: &Flow, state: &DialogState, ctx: &Context<'_>, pick: &mut Pick) -> Input {
    let text = |t: String| Input::Text(t);
    match &state.stage {
        Stage::Consent(_) => match pick.below(10) {
            0 => text("不同意".to_owned()),
            1..=4 => Input::Button("yes".to_owned()),
            5..=7 => text("同意".to_owned()),
            _ => text("I agree".to_owned()),
        },
        Stage::Summary => {
            let answered = state.answers.len() as u64 + 2;
            match pick.below(10) {
                0..=3 => Input::Button("confirm".to_owned()),
                4 => text("确认".to_owned()),
                5 => text(pick.of(&["返回", "back"]).to_string()),
                6 => text(format!("修改{}", pick.below(answered))),
                7 => text(format!("修改 {}", pick.below(answered))),
                8 => Input::Button(format!("edit:{}", pick.below(answered))),
                _ => text(format!("edit {}", pick.below(answered))),
            }
        }
        Stage::Ask(key) => match flow.step(key) {
            Some(step) if step.optional && pick.chance(2) => text(pick.of(&["跳过", "skip", "跳過"]).to_string()),
            Some(step) => valid_answer(step, state, ctx, pick),
            None => text("?".to_owned()),
        },
    }
}

const TEXT_CANDIDATES: &[&str] = &[
    "张三",
    "Maria Garcia",
    "GD-2020-123",
    "WS-2023-01",
    "湛江港集团有限公司",
    "年终奖怎么申报才对",
    "O'Neil Smith-Jones",
    "510000",
    "广东省茂名市",
    "第（2021）12号",
    "李",
];

fn valid_answer(step: &Step, state: &DialogState, ctx: &Context<'_>, pick: &mut Pick) -> Input {
    let text = |t: String| Input::Text(t);
    let today = ctx.today;
    match &step.kind {
        Kind::Text { min, max, pattern, .. } => {
            let start = pick.below(TEXT_CANDIDATES.len() as u64) as usize;
            let found = (0..TEXT_CANDIDATES.len())
                .map(|i| TEXT_CANDIDATES[(start + i) % TEXT_CANDIDATES.len()])
                .find(|candidate| parse_text(candidate, *min, *max, pattern.as_ref()).is_ok());
            text(found.map_or_else(|| "a".repeat((*min).max(1)), str::to_owned))
        }
        Kind::Choice { options } => {
            let index = pick.below(options.len() as u64) as usize;
            let option = &options[index];
            match pick.below(6) {
                0 | 1 => Input::Button(format!("choose:{}", option.value)),
                2 => text((index + 1).to_string()),
                3 => text(option.label.zh.clone()),
                4 => text(scripts().traditionalize(&option.label.zh)),
                _ => text(option.label.en.to_uppercase()),
            }
        }
        Kind::MultiChoice { options, .. } => {
            let index = pick.below(options.len() as u64) as usize;
            match pick.below(6) {
                0 | 1 => Input::Button(format!("tick:{}", options[index].value)),
                2 if !state.ticked.is_empty() => Input::Button("choose:done".to_owned()),
                2 | 3 => {
                    let count = 1 + pick.below(3);
                    let numbers: Vec<String> =
                        (0..count).map(|_| (1 + pick.below(options.len() as u64)).to_string()).collect();
                    text(numbers.join(*pick.of(&[" ", ",", "、", "，"])))
                }
                4 => text(options[index].value.clone()),
                _ => text((index + 1).to_string()),
            }
        }
        Kind::YesNo => match pick.below(8) {
            0 => Input::Button("yes".to_owned()),
            1 => Input::Button("no".to_owned()),
            2 => text("是的。".to_owned()),
            3 => text("否".to_owned()),
            4 => text("Y".to_owned()),
            5 => text("没有".to_owned()),
            6 => text("yes!".to_owned()),
            _ => text("No".to_owned()),
        },
        Kind::Integer { min, max } => {
            let span = (*max as i128 - *min as i128 + 1).clamp(1, 1_000) as u64;
            let n = min.saturating_add(pick.below(span) as i64);
            match pick.below(5) {
                0 if (0..=99).contains(&n) => text(chinese_numeral(n)),
                1 => text(format!("{n}人")),
                2 => text(full_width(&n.to_string())),
                _ => text(n.to_string()),
            }
        }
        Kind::Date { earliest, latest, working_days_only, month_only } => {
            let low = earliest
                .map_or_else(|| today.checked_sub_days(Days::new(365 * 40)).unwrap_or(today), |b| b.resolve(today));
            let high = latest
                .map_or_else(|| today.checked_add_days(Days::new(365 * 5)).unwrap_or(today), |b| b.resolve(today));
            let span = (high - low).num_days().clamp(0, 365 * 60) as u64;
            let mut date = low.checked_add_days(Days::new(pick.below(span + 1))).unwrap_or(low);
            if *working_days_only {
                for _ in 0..7 {
                    if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                        date = date.succ_opt().unwrap_or(date);
                    }
                }
            }
            if *month_only {
                {
                    let format: &&str = pick.of(&["%Y-%m", "%Y年%-m月", "%Y/%m"]);
                    text(date.format(format).to_string())
                }
            } else {
                {
                    let format: &&str = pick.of(&["%Y-%m-%d", "%Y年%-m月%-d日", "%Y%m%d", "%Y.%-m.%-d"]);
                    text(date.format(format).to_string())
                }
            }
        }
        Kind::Phone => {
            let prefixes = (130..200).filter(|&p| is_mobile_prefix(p)).collect::<Vec<u32>>();
            let national = format!("{}{:08}", pick.of(&prefixes), pick.below(100_000_000));
            text(match pick.below(4) {
                0 => format!("+86 {national}"),
                1 => decorate_phone(&national, 2).0,
                2 => full_width(&national),
                _ => national,
            })
        }
        Kind::IdCard => {
            let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
            let latest = today.max(earliest);
            let span = (latest - earliest).num_days() as u64;
            let birth = earliest + Days::new(pick.below(span + 1));
            let body = format!(
                "{:02}{:04}{}{:03}",
                pick.of(&REGIONS),
                pick.below(10_000),
                birth.format("%Y%m%d"),
                pick.below(1000)
            );
            let number = format!("{body}{}", check_character(&body));
            let near_miss = pick.chance(1);
            text(if near_miss {
                format!("{body}{}", (check_character(&body) as u8 % 10 + b'1') as char)
            } else {
                number
            })
        }
        Kind::Passport => text(format!("{}{:08}", pick.of(&["E", "G", "e", "EA", "TK"]), pick.below(100_000_000))),
        Kind::Email => text(format!(
            "{}{}@{}",
            pick.of(&["name", "Zhang.San", "a+b", "张三"]),
            pick.below(1000),
            pick.of(&["example.com", "QQ.COM", "例子.中国", "mail.example.org"])
        )),
        Kind::File { accept, max_bytes } => {
            let mime = match accept.first() {
                Some(kind) if kind.accepts("application/pdf") => "application/pdf",
                _ => *pick.of(&["image/jpeg", "image/png", "image/webp", "image/heic"]),
            };
            Input::File(file_ref("证书.pdf", mime, pick.below(*max_bytes + 1)))
        }
    }
}

/// Whether a step applies given the answers (its condition holds), as the engine decides.
fn applies(step: &Step, answers: &BTreeMap<String, Value>) -> bool {
    step.when
        .as_ref()
        .is_none_or(|condition| answers.get(&condition.step).is_some_and(|value| value.matches_any(&condition.any_of)))
}

/// The tier the answers give: the first tier with an item chosen in the flow's `tier_from` step.
fn expected_tier(flow: &Flow, answers: &BTreeMap<String, Value>) -> Option<String> {
    let chosen = match answers.get(flow.tier_from.as_deref()?)? {
        Value::Choice(value) => vec![value.clone()],
        Value::Choices(values) => values.clone(),
        _ => return None,
    };
    tiers().tiers.iter().find(|tier| tier.items.iter().any(|item| chosen.contains(&item.id))).map(|t| t.id.clone())
}

/// Checks that an answer is one the step's kind accepts and that its masked display hides a
/// personal identifier.
fn check_value(step: &Step, value: &Value, today: NaiveDate) -> Result<(), TestCaseError> {
    let key = &step.key;
    match (value, &step.kind) {
        (Value::Skipped, _) => prop_assert!(step.optional, "{key}: a required step was skipped"),
        (Value::Text(text), Kind::Text { min, max, pattern, .. }) => {
            prop_assert_eq!(parse_text(text, *min, *max, pattern.as_ref()), Ok(text.clone()), "{}", key);
        }
        (Value::Choice(choice), Kind::Choice { options }) => {
            prop_assert!(options.iter().any(|o| &o.value == choice), "{key} = {choice:?} is not an option");
        }
        (Value::Choices(chosen), Kind::MultiChoice { options, min }) => {
            prop_assert!(chosen.iter().all(|c| options.iter().any(|o| &o.value == c)), "{key}: {chosen:?}");
            prop_assert!(!chosen.is_empty() && chosen.len() >= *min, "{key}: {chosen:?}");
            let unique: BTreeSet<&String> = chosen.iter().collect();
            prop_assert_eq!(unique.len(), chosen.len(), "{}: duplicates in {:?}", key, chosen);
            prop_assert!(chosen.len() == 1 || !chosen.iter().any(|c| c == NONE), "{key}: none with others");
        }
        (Value::YesNo(_), Kind::YesNo) => {}
        (Value::Integer(n), Kind::Integer { min, max }) => prop_assert!((min..=max).contains(&n), "{key}: {n}"),
        (Value::Date(date), Kind::Date { earliest, latest, working_days_only, month_only }) => {
            let rules = DateRules {
                earliest: earliest.map(|b| b.resolve(today)),
                latest: latest.map(|b| b.resolve(today)),
                working_days_only: *working_days_only,
                month_only: *month_only,
            };
            check_date(*date, &rules, today)?;
        }
        (Value::Phone(phone), Kind::Phone) => check_phone(phone)?,
        (Value::IdCard(id), Kind::IdCard) => check_id_card(id, today)?,
        (Value::Passport(passport), Kind::Passport) => check_passport(passport)?,
        (Value::Email(email), Kind::Email) => check_email(email)?,
        (Value::File(file), Kind::File { accept, max_bytes }) => {
            prop_assert!(accept.iter().any(|kind| kind.accepts(&file.mime)), "{key}: {}", file.mime);
            prop_assert!(file.size <= *max_bytes, "{key}: {} bytes", file.size);
        }
        (value, kind) => return Err(TestCaseError::fail(format!("{key}: {value:?} is not an answer of {kind:?}"))),
    }
    for lang in LANGS {
        let masked = value.display_masked(step, lang, scripts());
        let full = match value {
            Value::Phone(phone) => Some(phone.to_string()),
            Value::IdCard(id) => Some(id.to_string()),
            Value::Passport(passport) => Some(passport.to_string()),
            _ => None,
        };
        if let Some(full) = full {
            prop_assert!(!masked.contains(&full), "{key}: the masked display {masked} shows {full}");
        }
    }
    Ok(())
}

/// What must hold of a form's state, whoever saved it.
fn check_state(flow: &Flow, state: &DialogState, consented: bool, today: NaiveDate) -> Result<(), TestCaseError> {
    prop_assert_eq!(&state.flow, &flow.id);
    let keys: BTreeSet<&str> = flow.steps.iter().map(|s| s.key.as_str()).collect();
    for (key, value) in &state.answers {
        let step = flow.step(key).ok_or_else(|| TestCaseError::fail(format!("answer to unknown step {key}")))?;
        check_value(step, value, today)?;
    }
    for key in &state.trail {
        prop_assert!(keys.contains(key.as_str()), "trail has unknown step {key}");
        prop_assert!(state.answers.contains_key(key), "trail has unanswered step {key}");
    }
    let unique: BTreeSet<&String> = state.trail.iter().collect();
    prop_assert_eq!(unique.len(), state.trail.len(), "a step twice in the trail: {:?}", state.trail);
    let wanted = |step: &Step| state.amend.as_ref().is_none_or(|amend| amend.fields.contains(&step.key));
    match &state.stage {
        Stage::Ask(key) => {
            let step = flow.step(key).ok_or_else(|| TestCaseError::fail(format!("asking unknown step {key}")))?;
            prop_assert!(wanted(step), "asking {key}, which the amendment does not ask");
            prop_assert!(applies(step, &state.answers), "asking {key} in {}, whose condition no longer holds", flow.id);
        }
        Stage::Consent(key) => {
            let step = flow.step(key).ok_or_else(|| TestCaseError::fail(format!("consent for unknown step {key}")))?;
            prop_assert!(step.personal, "consent asked before {key}, which is not personal");
            prop_assert!(!consented, "consent asked again of a user who consented");
        }
        Stage::Summary => {
            let missing = flow
                .steps
                .iter()
                .find(|s| wanted(s) && applies(s, &state.answers) && !state.answers.contains_key(&s.key));
            prop_assert!(missing.is_none(), "the summary is shown with {:?} unanswered", missing.map(|s| &s.key));
            prop_assert!(flow.files || state.amend.is_some(), "a form that files nothing rests on its summary");
        }
    }
    if !state.ticked.is_empty() {
        let Stage::Ask(key) = &state.stage else {
            return Err(TestCaseError::fail("ticked options outside a question"));
        };
        let step = flow.step(key).unwrap();
        prop_assert!(matches!(step.kind, Kind::MultiChoice { .. }), "ticked options at {key}");
        prop_assert!(state.ticked.iter().all(|t| step.options().iter().any(|o| &o.value == t)), "{:?}", state.ticked);
        let unique: BTreeSet<&String> = state.ticked.iter().collect();
        prop_assert_eq!(unique.len(), state.ticked.len(), "ticked twice: {:?}", state.ticked);
    }
    let json = serde_json::to_string(state).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: DialogState = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
    prop_assert_eq!(&back, state, "the state survives serialisation");
    Ok(())
}

fn check_replies(replies: &[Reply]) -> Result<(), TestCaseError> {
    for reply in replies {
        prop_assert!(!reply.text.trim().is_empty(), "an empty reply");
        for apology in apologies() {
            prop_assert!(!reply.text.contains(apology.as_str()), "an internal error: {}", reply.text);
        }
        for button in &reply.buttons {
            prop_assert!(!button.label.trim().is_empty(), "a button without a label: {:?}", button);
            prop_assert!(!button.data.is_empty() && button.data.len() <= 64, "button data {:?}", button.data);
        }
    }
    Ok(())
}

/// What must hold of one step of the engine: `before` and `input` led to `outcome`.
fn check_step(
    flow: &Flow,
    before: &DialogState,
    outcome: &Outcome,
    ctx: &Context<'_>,
    findings: &Findings,
) -> Result<(), TestCaseError> {
    check_replies(&outcome.replies)?;
    let submitted = outcome.effects.iter().any(|e| matches!(e, Effect::Submit { .. }));
    prop_assert!(!outcome.replies.is_empty() || submitted, "no reply (effects {:?})", outcome.effects);
    let ends =
        outcome.effects.iter().any(|e| matches!(e, Effect::Submit { .. } | Effect::Amend { .. } | Effect::Cancelled));
    if outcome.effects.contains(&Effect::Consented) {
        prop_assert!(!ctx.consented, "consent recorded twice");
        prop_assert!(matches!(before.stage, Stage::Consent(_)), "consent recorded outside the consent question");
    }
    for effect in &outcome.effects {
        match effect {
            Effect::Submit { answers, tier } => {
                prop_assert!(before.stage == Stage::Summary && before.amend.is_none(), "filed from {:?}", before.stage);
                prop_assert!(flow.files, "a form that files nothing filed");
                for step in &flow.steps {
                    let applicable = applies(step, &before.answers);
                    prop_assert_eq!(
                        answers.contains_key(&step.key),
                        applicable,
                        "filed {} (applies: {})",
                        step.key,
                        applicable
                    );
                }
                for (key, value) in answers {
                    check_value(flow.step(key).unwrap(), value, ctx.today)?;
                    if let Some(condition) = &flow.step(key).unwrap().when
                        && !answers.contains_key(&condition.step)
                    {
                        findings.note("a filed answer whose condition rests on a step that was not filed", || {
                            format!("{key} needs {}", condition.step)
                        });
                    }
                }
                prop_assert_eq!(tier, &expected_tier(flow, answers));
            }
            Effect::Amend { reference, answers, .. } => {
                let amend = before.amend.as_ref().expect("an amendment");
                prop_assert_eq!(reference, &amend.reference);
                prop_assert_eq!(&before.stage, &Stage::Summary);
                for key in answers.keys() {
                    prop_assert!(amend.fields.contains(key), "amended {key}, which was not asked");
                }
                for step in flow.steps.iter().filter(|s| amend.fields.contains(&s.key)) {
                    if applies(step, &before.answers) {
                        prop_assert!(answers.contains_key(&step.key), "the correction lacks {}", step.key);
                    }
                }
            }
            Effect::Consented | Effect::Cancelled => {}
        }
    }
    match &outcome.state {
        Some(state) => {
            prop_assert!(!ends, "the form goes on after {:?}", outcome.effects);
            let consented = ctx.consented || outcome.effects.contains(&Effect::Consented);
            check_state(flow, state, consented, ctx.today)?;
            prop_assert_eq!(&state.amend, &before.amend, "the amendment changed");
            let changed: Vec<&String> = state
                .answers
                .iter()
                .filter(|(key, value)| before.answers.get(*key) != Some(*value))
                .map(|(key, _)| key)
                .collect();
            for key in before.answers.keys() {
                prop_assert!(state.answers.contains_key(key), "the answer to {key} was lost");
            }
            match &before.stage {
                Stage::Ask(asked) => {
                    prop_assert!(changed.iter().all(|k| *k == asked), "{changed:?} changed at {asked}")
                }
                _ => prop_assert!(changed.is_empty(), "{changed:?} changed at {:?}", before.stage),
            }
        }
        None => prop_assert!(ends || !flow.files, "the form ended without a reason: {:?}", outcome.effects),
    }
    Ok(())
}

/// One simulated user in one form: the state between messages goes through JSON, as the bot
/// stores it, and a form that ends is started again (or corrected after filing).
struct Walk<'a> {
    flow: &'a Flow,
    lang: Lang,
    today: NaiveDate,
    consented: bool,
    state: Option<DialogState>,
    last_filed: Option<BTreeMap<String, Value>>,
    next_prefill: Option<(String, String)>,
}

impl<'a> Walk<'a> {
    fn ctx(&self) -> Context<'static> {
        Context {
            lang: self.lang,
            today: self.today,
            consented: self.consented,
            consent: flows().consent(),
            tiers: tiers(),
            scripts: scripts(),
            messages: policy().messages(),
        }
    }

    /// Opens the form again: a correction of the last filing, the next form of an eligibility
    /// result, or a fresh start.
    fn reopen(&mut self, flows: &'a [&'a Flow], pick: &mut Pick) -> Result<(), TestCaseError> {
        let ctx = self.ctx();
        let outcome = match (self.last_filed.take(), self.next_prefill.take()) {
            (Some(answers), _) if pick.chance(6) => {
                let mut fields: Vec<String> =
                    self.flow.steps.iter().filter(|_| pick.chance(3)).map(|s| s.key.clone()).collect();
                if fields.is_empty() {
                    fields.push(pick.of(&self.flow.steps).key.clone());
                }
                reached("correction started");
                engine::amend(self.flow, &ctx, "ZJ-TEST-2026-000001", answers, fields)
            }
            (_, Some((next, item))) if pick.chance(7) => match flows.iter().find(|f| f.id == next) {
                Some(&next_flow) => {
                    self.flow = next_flow;
                    let key = next_flow.tier_from.clone().expect("next has tier_from");
                    reached("next form prefilled");
                    engine::start(next_flow, &ctx, BTreeMap::from([(key, Value::Choice(item))]))
                }
                None => return Err(TestCaseError::fail(format!("next flow {next} does not exist"))),
            },
            _ => {
                if pick.chance(3) {
                    self.flow = *pick.of(flows);
                }
                engine::start(self.flow, &ctx, BTreeMap::new())
            }
        };
        check_replies(&outcome.replies)?;
        prop_assert!(outcome.effects.is_empty() || !self.flow.files, "effects on start: {:?}", outcome.effects);
        self.settle(outcome)
    }

    /// Takes an outcome: remembers consent, filings and offered next forms; keeps the state.
    fn settle(&mut self, outcome: Outcome) -> Result<(), TestCaseError> {
        if outcome.effects.contains(&Effect::Consented) {
            self.consented = true;
        }
        for effect in &outcome.effects {
            reached(match effect {
                Effect::Consented => "consent",
                Effect::Submit { .. } => "filing",
                Effect::Amend { .. } => "correction filed",
                Effect::Cancelled => "cancel",
            });
        }
        match &outcome.state {
            Some(state) if state.stage == Stage::Summary => reached("summary"),
            None if outcome.effects.is_empty() => reached("eligibility result"),
            _ => {}
        }
        for effect in &outcome.effects {
            if let Effect::Submit { answers, .. } = effect {
                self.last_filed = Some(answers.clone());
            }
        }
        for button in outcome.replies.iter().flat_map(|r| &r.buttons) {
            if let Some(rest) = button.data.strip_prefix("start:")
                && let Some((next, item)) = rest.split_once(':')
            {
                self.next_prefill = Some((next.to_owned(), item.to_owned()));
            }
        }
        self.state = match outcome.state {
            Some(state) => {
                check_state(self.flow, &state, self.consented, self.today)?;
                let json = serde_json::to_string(&state).unwrap();
                Some(serde_json::from_str(&json).unwrap())
            }
            None => None,
        };
        Ok(())
    }

    /// Applies one action (opening the form again first if it has ended), checking the step.
    fn act(
        &mut self,
        action: &Action,
        flows: &'a [&'a Flow],
        pick: &mut Pick,
        findings: &Findings,
    ) -> Result<(), TestCaseError> {
        if self.state.is_none() {
            self.reopen(flows, pick)?;
        }
        let Some(state) = self.state.clone() else { return Ok(()) };
        let ctx = self.ctx();
        if pick.chance(2) {
            let resumed = engine::resume(self.flow, state.clone(), &ctx);
            check_replies(&resumed.replies)?;
            prop_assert!(!resumed.replies.is_empty(), "resume says nothing");
            prop_assert_eq!(resumed.state.as_ref(), Some(&state), "resume changed the state");
        }
        let input = input_for(action, self.flow, &state, &ctx);
        let outcome = engine::advance(self.flow, state.clone(), &input, &ctx);
        check_step(self.flow, &state, &outcome, &ctx, findings).map_err(|e| {
            TestCaseError::fail(format!("{e}\n  flow {}, input {input:?}\n  state {state:?}", self.flow.id))
        })?;
        self.settle(outcome)
    }
}

/// A walk through the shipped forms.
fn walk_strategy(max_actions: usize) -> impl Strategy<Value = (usize, Lang, i64, bool, u64, Vec<Action>)> {
    (
        0usize..16,
        select(&LANGS[..]),
        prop_oneof![6 => -300i64..300, 2 => -40_000i64..40_000, 1 => Just(-45_000i64)],
        any::<bool>(),
        any::<u64>(),
        vec(action(1), 1..max_actions),
    )
}

// ---------------------------------------------------------------------------------------------
// 3. The pure engine

#[test]
fn engine_walks_through_every_shipped_form_keep_the_state_consistent() {
    let findings = Findings::default();
    let shipped: Vec<&Flow> = flows().iter().collect();
    let shipped: &[&Flow] = &shipped;
    check(
        "dialog engine: shipped forms",
        ProptestConfig { cases: 780, ..base() },
        walk_strategy(60),
        |(flow, lang, shift, consented, seed, actions)| {
            let today = helpers::clock().today().checked_add_signed(chrono::TimeDelta::days(shift)).unwrap();
            let mut walk = Walk {
                flow: shipped[flow % shipped.len()],
                lang,
                today,
                consented,
                state: None,
                last_filed: None,
                next_prefill: None,
            };
            let mut pick = Pick(seed);
            for action in &actions {
                walk.act(action, shipped, &mut pick, &findings)?;
            }
            Ok(actions.len())
        },
    );
    findings.print("dialog engine");
}

// ---------------------------------------------------------------------------------------------
// Flow definitions

const KINDS: &[&str] = &[
    "text",
    "choice",
    "yes_no",
    "text",
    "choice",
    "multi_choice",
    "yes_no",
    "integer",
    "date",
    "month",
    "phone",
    "id_card",
    "passport",
    "email",
    "file",
    "colour",
];
/// Date bounds: the first ones load (some resolve beyond the calendar), the rest are refused or,
/// the last, a known bug.
const BOUNDS: &[&str] = &[
    "today",
    "+7d",
    "-7d",
    "+1d",
    "+90d",
    "-100y",
    "+20y",
    "+12m",
    "-6m",
    "+0m",
    "2020-01-01",
    "1950-01-01",
    "+2147483647m",
    "-2147483648y",
    "+99999y",
    "+9999999d",
    "2026-02-30",
    "next week",
    "d",
    "+",
    "",
    "+1x",
    "１d",
    "+١d",
    "+200000000000d",
];
/// Patterns: the first ones compile.
const PATTERNS: &[&str] = &["^[0-9]+$", ".*", r"^[A-Za-z][A-Za-z .'-]*[A-Za-z.]$", "^x$", "(a|b)*c", "\\p{Han}", "[a-"];
const VALUES: &[&str] = &["yes", "no", "other", "none", "a", "b", "A", "worldskills-winner", "senior-technician", ""];
const KEYS: &[&str] = &["s0", "s1", "s2", "s3", "name", "Bad-Key", "", "s1"];

/// One `[[step]]` of a random flow: usually settings that fit its kind (so that the flow loads and
/// the engine runs it), sometimes any settings at all (so that the loader's checks are tried).
fn toml_step(index: usize) -> BoxedStrategy<String> {
    use prop::option::weighted;
    let int = || weighted(0.6, prop_oneof![8 => 0i64..30, 1 => -5i64..0, 1 => any::<i64>(), 1 => Just(2001i64)]);
    let fitting = (
        (0i64..4, 1i64..60),
        weighted(0.3, select(&PATTERNS[..3])),
        (proptest::sample::subsequence(VALUES, 2..5), prop::bool::weighted(0.2)),
        (weighted(0.5, select(&BOUNDS[..16])), weighted(0.5, select(&BOUNDS[..16]))),
        (0usize..3, 1u64..=20),
        weighted(0.3, (0..index.max(1), proptest::sample::subsequence(VALUES, 1..3))),
    )
        .prop_map(|((low, span), pattern, (options, from_tiers), (earliest, latest), (accept, max_mb), when)| {
            Fitting { low, span, pattern, options, from_tiers, earliest, latest, accept, max_mb, when }
        });
    let any_settings = (
        (int(), int()),
        (weighted(0.3, select(PATTERNS)), prop::bool::weighted(0.9)),
        (weighted(0.85, vec(select(VALUES), 1..5)), weighted(0.2, select(&["tiers", "other"][..]))),
        (weighted(0.4, select(BOUNDS)), weighted(0.4, select(BOUNDS)), prop::bool::weighted(0.3)),
        (
            weighted(0.4, select(&["[\"image\"]", "[\"pdf\"]", "[]", "[\"image\", \"pdf\"]", "[\"exe\"]"][..])),
            weighted(0.3, prop_oneof![Just(0u64), Just(1), Just(20), Just(21), Just(u64::MAX)]),
        ),
        weighted(0.3, (select(KEYS), vec(select(VALUES), 0..3))),
    )
        .prop_map(
            |(
                (min, max),
                (pattern, hint),
                (options, options_from),
                (earliest, latest, working),
                (accept, max_mb),
                when,
            )| {
                let mut lines = Vec::new();
                lines.extend(min.map(|m| format!("min = {m}")));
                lines.extend(max.map(|m| format!("max = {m}")));
                lines.extend(pattern.map(|p| format!("pattern = {p:?}")));
                if hint {
                    lines.push("pattern_hint = { zh = \"格式\", en = \"Format\" }".to_owned());
                }
                if let Some(values) = options {
                    let options: Vec<String> = values
                        .iter()
                        .map(|v| format!("{{ value = {v:?}, zh = \"选项{v}\", en = \"Option {v}\" }}"))
                        .collect();
                    lines.push(format!("options = [{}]", options.join(", ")));
                }
                lines.extend(options_from.map(|f| format!("options_from = {f:?}")));
                lines.extend(earliest.map(|b| format!("earliest = {b:?}")));
                lines.extend(latest.map(|b| format!("latest = {b:?}")));
                if working {
                    lines.push("working_days_only = true".to_owned());
                }
                lines.extend(accept.map(|a| format!("accept = {a}")));
                lines.extend(max_mb.map(|m| format!("max_mb = {m}")));
                if let Some((step, values)) = when {
                    lines.push(format!("when = {{ step = {step:?}, any_of = {values:?} }}"));
                }
                lines
            },
        );
    (
        (prop_oneof![12 => Just(format!("s{index}")), 1 => select(KEYS).prop_map(str::to_owned)], select(KINDS)),
        (any::<bool>(), weighted(0.3, any::<bool>())),
        prop::bool::weighted(0.85),
        fitting,
        any_settings,
    )
        .prop_map(move |((key, kind), (optional, personal), fits, fitting, any_settings)| {
            let mut lines = vec![
                "[[step]]".to_owned(),
                format!("key = {key:?}"),
                format!("kind = {kind:?}"),
                format!("prompt = {{ zh = \"问题{index}\", en = \"Question {index}\" }}"),
            ];
            if optional {
                lines.push("optional = true".to_owned());
            }
            if let Some(personal) = personal {
                lines.push(format!("personal = {personal}"));
            }
            lines.extend(if fits { fitting.lines(kind, index) } else { any_settings });
            lines.join("\n")
        })
        .boxed()
}

/// Settings that fit a step's kind.
#[derive(Debug, Clone)]
struct Fitting {
    low: i64,
    span: i64,
    pattern: Option<&'static str>,
    options: Vec<&'static str>,
    from_tiers: bool,
    earliest: Option<&'static str>,
    latest: Option<&'static str>,
    accept: usize,
    max_mb: u64,
    when: Option<(usize, Vec<&'static str>)>,
}

impl Fitting {
    fn lines(&self, kind: &str, index: usize) -> Vec<String> {
        let Self { low, span, pattern, options, from_tiers, earliest, latest, accept, max_mb, when } = self;
        let mut lines = Vec::new();
        match kind {
            "text" => {
                lines.push(format!("min = {low}\nmax = {}", low + span));
                if let Some(pattern) = pattern {
                    lines.push(format!("pattern = {pattern:?}\npattern_hint = {{ zh = \"格式\", en = \"Format\" }}"));
                }
            }
            "integer" => lines.push(format!("min = {}\nmax = {}", low - 2, low + span)),
            "choice" | "multi_choice" => {
                if *from_tiers {
                    lines.push("options_from = \"tiers\"".to_owned());
                } else {
                    let options: Vec<String> = options
                        .iter()
                        .map(|v| format!("{{ value = {v:?}, zh = \"选项{v}\", en = \"Option {v}\" }}"))
                        .collect();
                    lines.push(format!("options = [{}]", options.join(", ")));
                }
                if kind == "multi_choice" {
                    lines.push(format!("min = {}", low.min(&2)));
                }
            }
            "date" | "month" => {
                lines.extend(earliest.map(|b| format!("earliest = {b:?}")));
                lines.extend(latest.map(|b| format!("latest = {b:?}")));
                if span % 3 == 0 {
                    lines.push("working_days_only = true".to_owned());
                }
            }
            "file" => {
                let accept = ["[\"image\"]", "[\"pdf\"]", "[\"image\", \"pdf\"]"][*accept];
                lines.push(format!("accept = {accept}\nmax_mb = {max_mb}"));
            }
            _ => {}
        }
        if let Some((step, values)) = when
            && *step < index
        {
            lines.push(format!("when = {{ step = \"s{step}\", any_of = {values:?} }}"));
        }
        lines
    }
}

fn toml_flow() -> BoxedStrategy<String> {
    (
        (1usize..6).prop_flat_map(|count| (0..count).map(toml_step).collect::<Vec<_>>()),
        prop::option::weighted(0.15, select(&["s0", "s1", "s2", "honours", "name"][..])),
        prop::option::weighted(0.2, select(&["talent-recognition", "demo", "nowhere"][..])),
        prop::option::weighted(0.3, select(&["en", "zh", "zh-Hant", "fr"][..])),
        any::<bool>(),
    )
        .prop_map(|(steps, tier_from, next, lang, files)| {
            let mut head = vec![
                "id = \"demo\"".to_owned(),
                "code = \"DEMO\"".to_owned(),
                "title = { zh = \"演示\", en = \"Demo\" }".to_owned(),
                "intro = { zh = \"说明\", en = \"About\" }".to_owned(),
                format!("files = {files}"),
                "triggers = [\"演示\", \"Demo\"]".to_owned(),
            ];
            head.extend(tier_from.map(|t| format!("tier_from = {t:?}")));
            head.extend(next.map(|n| format!("next = {n:?}")));
            head.extend(lang.map(|l| format!("lang = {l:?}")));
            format!("{}\n\n{}\n", head.join("\n"), steps.join("\n\n"))
        })
        .boxed()
}

/// A shipped flow file with a random edit: a range removed, a snippet inserted, lines swapped.
fn mutated_shipped_flow() -> BoxedStrategy<String> {
    let files: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/dialogs"))
        .expect("dialogs")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().is_some_and(|n| n != "consent.toml"))
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect();
    (select(files), vec((0u8..3, any::<usize>(), any::<usize>(), snippet()), 1..4))
        .prop_map(|(mut text, edits)| {
            for (kind, at, length, snippet) in edits {
                let chars: Vec<char> = text.chars().collect();
                let at = at % (chars.len() + 1);
                text = match kind {
                    0 => chars[..at].iter().chain(&chars[(at + length % 40).min(chars.len())..]).collect(),
                    1 => format!(
                        "{}{snippet}{}",
                        chars[..at].iter().collect::<String>(),
                        chars[at..].iter().collect::<String>()
                    ),
                    _ => {
                        let mut lines: Vec<&str> = text.lines().collect();
                        let (a, b) = (at % lines.len().max(1), length % lines.len().max(1));
                        if !lines.is_empty() {
                            lines.swap(a, b);
                        }
                        lines.join("\n")
                    }
                };
            }
            text
        })
        .boxed()
}

#[test]
fn flow_definitions_from_random_toml_load_or_fail_cleanly_and_run() {
    let findings = Findings::default();
    let loaded = Cell::new(0usize);
    let strategy = (
        prop_oneof![3 => toml_flow(), 1 => mutated_shipped_flow()],
        vec(action(1), 0..16),
        select(&LANGS[..]),
        any::<u64>(),
    );
    check("flow definitions", ProptestConfig { cases: 2_500, ..base() }, strategy, |(text, actions, lang, seed)| {
        let flow = match Flow::parse("demo.toml", &text, tiers()) {
            Ok(flow) => flow,
            Err(error) => {
                prop_assert!(error.to_string().starts_with("demo.toml"), "{error}");
                return Ok(1);
            }
        };
        loaded.set(loaded.get() + 1);
        prop_assert!(!flow.steps.is_empty());
        let shipped: Vec<&Flow> = vec![&flow];
        let shipped: &[&Flow] = &shipped;
        let mut walk = Walk {
            flow: &flow,
            lang,
            today: today(),
            consented: seed % 2 == 0,
            state: None,
            last_filed: None,
            next_prefill: None,
        };
        let mut pick = Pick(seed);
        for action in &actions {
            // An offered next form that is not in this one-flow world is simply not taken.
            walk.next_prefill = None;
            walk.act(action, shipped, &mut pick, &findings)?;
        }
        Ok(1 + actions.len())
    });
    eprintln!("fuzz: flow definitions: {} random flows loaded", loaded.get());
    findings.print("flow definitions");
}

/// A day bound beyond chrono's range (±1.07e11 days) once panicked at the first answer.
#[test]
fn a_huge_day_bound_does_not_panic_on_the_first_answer() {
    let text = "id = \"demo\"\ncode = \"DEMO\"\ntitle = { zh = \"演示\", en = \"Demo\" }\n\
                intro = { zh = \"说明\", en = \"About\" }\n[[step]]\nkey = \"when\"\nkind = \"date\"\n\
                earliest = \"+200000000000d\"\nprompt = { zh = \"日期\", en = \"Date\" }\n";
    let flow = match Flow::parse("demo.toml", text, tiers()) {
        Ok(flow) => flow,
        Err(_) => return, // refused at load: fixed
    };
    let ctx = Context {
        lang: Lang::Zh,
        today: today(),
        consented: true,
        consent: flows().consent(),
        tiers: tiers(),
        scripts: scripts(),
        messages: policy().messages(),
    };
    let state = engine::start(&flow, &ctx, BTreeMap::new()).state.expect("asks the date");
    engine::advance(&flow, state, &Input::Text("2026-12-01".to_owned()), &ctx);
}

/// After an answer is changed from the summary ("修改 8": 配偶是否随迁 是 → 否), going back never
/// asks 配偶的居民身份证号码 again, a step that no longer applies.
#[test]
fn back_after_an_edit_skips_steps_that_no_longer_apply() {
    let ctx = Context {
        lang: Lang::Zh,
        today: today(),
        consented: true,
        consent: flows().consent(),
        tiers: tiers(),
        scripts: scripts(),
        messages: policy().messages(),
    };
    let flow = flows().get("settlement").expect("the settlement form");
    let mut outcome = engine::start(flow, &ctx, BTreeMap::new());
    let answers = [
        "张三",
        "11010519491231002X",
        "13800138000",
        "广东省茂名市",
        "3",
        "GD-2020-123",
        "湛江钢铁",
        "是",
        "李四",
        "32010219921111001X",
        "0",
        "1",
        "修改 8",
        "否",
        "返回",
        "返回",
        "返回",
        "返回",
    ];
    for answer in answers {
        let state = outcome.state.clone().expect("the form is open");
        outcome = engine::advance(flow, state, &Input::Text(answer.to_owned()), &ctx);
        let state = outcome.state.as_ref().expect("the form is open");
        if let Stage::Ask(key) = &state.stage {
            let step = flow.step(key).expect("a step of the form");
            assert!(applies(step, &state.answers), "after {answer:?} the form asks {key}, which no longer applies");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 4. The bot core on SQLite

/// Who sends a message in the bot test.
const USERS: [(&str, Option<Lang>); 4] =
    [("fz1", None), ("fz2", Some(Lang::En)), ("fz3", Some(Lang::ZhHant)), ("fz4", None)];

/// A message to the bot.
#[derive(Debug, Clone)]
enum BotAction {
    /// The user acts in or out of a form.
    Form(Action),
    /// A command with an argument.
    Command(&'static str, String),
    /// A bot-level button.
    Button(&'static str, String),
    /// Free text meant as a question or a wish to apply.
    Say(String),
    /// A staff member in the staff chat.
    Staff(&'static str, u64, String),
}

const BOT_COMMANDS: &[&str] = &[
    "/start",
    "/help",
    "/ask",
    "/apply",
    "/eligibility",
    "/status",
    "/cancel",
    "/lang",
    "/mydata",
    "/forget",
    "/START@policybot",
    "/nothing",
];
const BOT_BUTTONS: &[&str] =
    &["menu:", "lang:", "forget:", "start:", "start:talent-recognition:", "amend:", "staff:approve:"];
const SAYINGS: &[&str] = &[
    "我要申请人才公寓",
    "apply for a visa",
    "我能认定为哪类人才？",
    "我要申请",
    "我要办理落户",
    "预约个税汇算辅导",
    "人才公寓怎么申请？",
    "How long is a visa valid?",
    "世界技能大賽獲獎者屬於哪一類人才？",
    "全国技术能手可以认定为哪类人才？",
];
const STAFF_ACTIONS: &[&str] = &[
    "/pending",
    "/show",
    "/approve",
    "/reject",
    "/needinfo",
    "/needinfo",
    "/needinfo",
    "/export",
    "staff:approve",
    "staff:reject",
    "staff:need_info",
    "text",
];

fn bot_action() -> BoxedStrategy<BotAction> {
    let argument = || {
        prop_oneof![
            3 => select(&["", "talent-apartment", "settlement", "tax-guidance", "人才公寓", "zh", "en", "zh-Hant", "fr", "yes", "no", "ask", "status", "eligibility", "apply", "foreign-talent-visa:", "talent-recognition:national-technical-expert", "talent-recognition:bogus-item", "eligibility"][..])
                .prop_map(str::to_owned),
            1 => piece(),
        ]
    };
    prop_oneof![
        20 => action(1).prop_map(BotAction::Form),
        2 => (select(BOT_COMMANDS), argument()).prop_map(|(c, a)| BotAction::Command(c, a)),
        2 => (select(BOT_BUTTONS), argument()).prop_map(|(b, a)| BotAction::Button(b, a)),
        2 => prop_oneof![3 => select(SAYINGS).prop_map(str::to_owned), 1 => garbage(1)].prop_map(BotAction::Say),
        3 => (select(STAFF_ACTIONS), any::<u64>(), prop_oneof![4 => select(&["phone 请核对", "name,phone 号码不对", "id_card", "nosuch 说明", "材料不全", ""][..]).prop_map(str::to_owned), 1 => piece()])
            .prop_map(|(a, n, t)| BotAction::Staff(a, n, t)),
    ]
    .boxed()
}

/// The bot test's world: the app, and the references filed so far (with their applicants).
struct World {
    app: TestApp,
    references: RefCell<Vec<(usize, String)>>,
    /// Applications staff sent back, with their applicants, not yet opened for correction.
    to_correct: RefCell<Vec<(usize, String)>>,
}

impl World {
    fn sender(user: usize) -> Sender {
        Sender::new("test", USERS[user].0, USERS[user].1)
    }

    fn staff() -> Sender {
        Sender::in_group(policybot::telegram::PROFILE.name, STAFF_CHAT, STAFF_MEMBER, None)
    }

    /// The user's form in progress as stored, whether they consented, and their id (0 if unknown).
    async fn stored(&self, user: usize) -> (Option<DialogState>, bool, i64) {
        let mut conn = self.app.app.bot.store().read().await.expect("a connection");
        match users::with_session(&mut conn, "test", USERS[user].0).await.expect("the user") {
            Some((user, session)) => {
                let consented = user.consent_version.as_deref() == Some(flows().consent().version.as_str());
                let state = session.map(|s| s.state);
                (state, consented, user.id)
            }
            None => (None, false, 0),
        }
    }

    fn reference(&self, n: u64, user: Option<usize>) -> String {
        let references = self.references.borrow();
        let own: Vec<&String> =
            references.iter().filter(|(owner, _)| user.is_none_or(|u| u == *owner)).map(|(_, r)| r).collect();
        if own.is_empty() || n.is_multiple_of(7) {
            format!("ZJ-APARTMENT-2026-{:06}", n % 1000)
        } else {
            own[(n as usize / 7) % own.len()].clone()
        }
    }

    /// Sends one message; checks the replies and the stored state after it.
    async fn send(&self, who: usize, action: &BotAction) -> Result<(), TestCaseError> {
        let (state, consented, _) = self.stored(who).await;
        let ctx = Context {
            lang: USERS[who].1.unwrap_or_default(),
            today: today(),
            consented,
            consent: flows().consent(),
            tiers: tiers(),
            scripts: scripts(),
            messages: policy().messages(),
        };
        let (sender, input, staff) = match action {
            BotAction::Form(action) => {
                let input = match (&state, action) {
                    (Some(state), _) => input_for(action, flows().get(&state.flow).expect("a flow"), state, &ctx),
                    (None, Action::Valid(_)) if self.to_correct.borrow().iter().any(|(u, _)| *u == who) => {
                        let mut to_correct = self.to_correct.borrow_mut();
                        let position = to_correct.iter().position(|(u, _)| *u == who).expect("one");
                        Input::Button(format!("amend:{}", to_correct.remove(position).1))
                    }
                    (None, Action::Valid(seed))
                        if seed % 4 == 0 && self.references.borrow().iter().any(|(u, _)| *u == who) =>
                    {
                        Input::Button(format!("amend:{}", self.reference(seed / 28 * 7 + 1, Some(who))))
                    }
                    (None, Action::Valid(seed)) => {
                        let flow = flows().iter().nth(*seed as usize % flows().iter().count()).expect("a form");
                        Input::Button(format!("start:{}", flow.id))
                    }
                    (None, Action::File { name, mime, size }) => {
                        let file = self.app.app.files.keep(&format!("{name}.pdf"), &size.to_le_bytes()).expect("kept");
                        Input::File(FileRef { mime: mime.clone(), ..file })
                    }
                    (None, action) => input_for(action, flows().iter().next().unwrap(), &placeholder_state(), &ctx),
                };
                let input = match input {
                    Input::File(file) if state.is_some() && !file.location.is_empty() => Input::File(file),
                    Input::File(file) => {
                        let kept = self.app.app.files.keep("upload.pdf", b"%PDF-1.4 fuzz").expect("kept");
                        Input::File(FileRef { location: kept.location, sha256: kept.sha256, ..file })
                    }
                    other => other,
                };
                (Self::sender(who), input, false)
            }
            BotAction::Command(command, argument) => {
                (Self::sender(who), Input::Text(format!("{command} {argument}")), false)
            }
            BotAction::Button(button, argument) => {
                let data = match *button {
                    "amend:" => format!("amend:{}", self.reference(argument.len() as u64, Some(who))),
                    "staff:approve:" => format!("staff:approve:{}", self.reference(argument.len() as u64, None)),
                    _ => format!("{button}{argument}"),
                };
                (Self::sender(who), Input::Button(data), false)
            }
            BotAction::Say(text) => (Self::sender(who), Input::Text(text.clone()), false),
            BotAction::Staff(what, n, text) => {
                let reference = self.reference(*n, None);
                let input = match *what {
                    "/pending" | "/export" => {
                        Input::Text(format!("{what} {}", if n % 2 == 0 { "csv" } else { text.as_str() }))
                    }
                    // Most requests name a field every filing form has, so that corrections happen.
                    "/needinfo" if n % 3 != 0 => Input::Text(format!("{what} {reference} phone 请核对号码")),
                    "/needinfo" | "/reject" | "/approve" | "/show" => Input::Text(format!("{what} {reference} {text}")),
                    "text" => Input::Text(text.clone()),
                    button => Input::Button(format!("{button}:{reference}")),
                };
                (Self::staff(), input, true)
            }
        };
        let replies = self.app.app.bot.handle(&sender, input.clone()).await;
        let context = || format!("user {who}, input {input:?}, replies {replies:?}");
        check_replies(&replies).map_err(|e| TestCaseError::fail(format!("{e}\n  {}", context())))?;
        if !staff {
            prop_assert!(!replies.is_empty(), "no reply: {}", context());
        }
        for reply in &replies {
            let said = |words: &[&str]| words.iter().any(|w| reply.text.contains(w));
            if said(&["补正申请", "補正申請", "asked you to correct"]) {
                reached("correction started");
            }
            if said(&["已提交补正", "已提交補正", "correction was sent"]) {
                reached("correction filed");
            }
            if staff && reply.text.starts_with("✅") {
                reached("staff decision");
                let sent_back = ["待补正", "need_info"].iter().any(|w| reply.text.contains(w));
                if sent_back {
                    reached("staff asked for a correction");
                    let owner = self.references.borrow().iter().find(|(_, r)| reply.text.contains(r.as_str())).cloned();
                    self.to_correct.borrow_mut().extend(owner);
                }
            }
            if reply.document.is_some() {
                reached("export");
            }
            if let Some(start) = reply.text.find("ZJ-") {
                let reference: String =
                    reply.text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
                // Only receipts: prompts quote an example reference.
                let receipt = reply.text.starts_with("✅");
                if receipt && !staff && !self.references.borrow().iter().any(|(_, r)| r == &reference) {
                    reached("filing");
                    self.references.borrow_mut().push((who, reference));
                }
            }
        }
        let (after, consented, _) = self.stored(who).await;
        if let Some(state) = &after {
            let flow = flows().get(&state.flow).ok_or_else(|| TestCaseError::fail("a session of an unknown form"))?;
            check_state(flow, state, consented, today())
                .map_err(|e| TestCaseError::fail(format!("{e}\n  {}", context())))?;
        }
        Ok(())
    }

    /// After the run: every user's next command answers normally and their filings are sound.
    async fn still_answers(&self) -> Result<usize, TestCaseError> {
        let mut inputs = 0;
        for (user, _) in USERS.iter().enumerate() {
            for command in ["/status", "/start", "/status"] {
                let replies = self.app.app.bot.handle(&Self::sender(user), Input::Text(command.to_owned())).await;
                inputs += 1;
                check_replies(&replies)?;
                prop_assert!(!replies.is_empty(), "{command} says nothing to user {user}");
            }
            let (_, _, id) = self.stored(user).await;
            let mut conn = self.app.app.bot.store().read().await.expect("a connection");
            for application in applications::of_user(&mut conn, id).await.expect("applications") {
                let flow = flows().get(&application.flow).expect("a filed form exists");
                let filing = &application.filing;
                prop_assert!(!filing.answers.is_empty(), "{} has no answers", application.reference);
                for (key, value) in &filing.answers {
                    let step = flow.step(key).ok_or_else(|| TestCaseError::fail(format!("filed unknown {key}")))?;
                    check_value(step, value, today())?;
                }
            }
        }
        Ok(inputs)
    }
}

/// A state to read actions against when no form is open (only its shape matters).
fn placeholder_state() -> DialogState {
    DialogState {
        flow: String::new(),
        stage: Stage::Summary,
        answers: BTreeMap::new(),
        trail: Vec::new(),
        ticked: Vec::new(),
        amend: None,
    }
}

#[test]
fn bot_core_on_sqlite_survives_random_messages_from_several_users() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let strategy = vec((0usize..USERS.len(), bot_action()), 350..450);
    check("bot core on SQLite", ProptestConfig { cases: 4, ..base() }, strategy, |script| {
        runtime.block_on(async {
            let world = World {
                app: spawn_app().await,
                references: RefCell::new(Vec::new()),
                to_correct: RefCell::new(Vec::new()),
            };
            for (who, action) in &script {
                world.send(*who, action).await?;
            }
            let after = world.still_answers().await?;
            Ok(script.len() + after)
        })
    });
}
