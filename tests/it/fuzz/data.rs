//! Data the fuzz tests share: the day, the shipped policy and forms.

use super::*;

/// The day the tests live on (the helpers' clock).
pub(super) fn today() -> NaiveDate {
    helpers::clock().today()
}

/// The shipped forms, loaded once.
pub(super) fn flows() -> &'static Flows {
    static FLOWS: OnceLock<Flows> = OnceLock::new();
    FLOWS.get_or_init(|| Flows::load(&Assets::dialogs(None), policy().tiers()).expect("the shipped dialogs load"))
}

pub(super) fn scripts() -> &'static Scripts {
    policy().scripts()
}

pub(super) fn tiers() -> &'static TierTable {
    policy().tiers()
}

pub(super) const LANGS: [Lang; 3] = [Lang::Zh, Lang::ZhHant, Lang::En];

/// The province-level region codes an ID card number may start with (GB/T 2260).
pub(super) const REGIONS: [u32; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82,
];

pub(super) fn is_region(code: u32) -> bool {
    REGIONS.contains(&code)
}

/// Whether a three-digit prefix is allocated to mobile networks.
pub(super) fn is_mobile_prefix(prefix: u32) -> bool {
    matches!(
        prefix,
        130..=139 | 145..=149 | 150..=153 | 155..=159 | 162 | 165..=167 | 170..=178 | 180..=189 | 190..=193 | 195..=199
    )
}

/// The ISO 7064 MOD 11-2 check character of a 17-digit body.
pub(super) fn check_character(body: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize]
}

/// Full-width forms of ASCII digits and letters, as a Chinese input method types them.
pub(super) fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_graphic() { char::from_u32(c as u32 + 0xFEE0).unwrap_or(c) } else { c })
        .collect()
}

/// A Chinese numeral for 0..=99.
pub(super) fn chinese_numeral(n: i64) -> String {
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
pub(super) fn apologies() -> &'static [String] {
    static APOLOGIES: OnceLock<Vec<String>> = OnceLock::new();
    APOLOGIES.get_or_init(|| LANGS.iter().map(|&lang| Message::Internal.render(lang, policy())).collect())
}

/// What the engine knows of a user, with the shipped forms and policy.
pub(super) fn context(lang: Lang, today: NaiveDate, consented: bool) -> Context<'static> {
    Context {
        lang,
        today,
        consented,
        consent: flows().consent(),
        tiers: tiers(),
        scripts: scripts(),
        messages: policy().messages(),
        holidays: flows().holidays(),
    }
}
