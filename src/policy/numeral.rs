//! Chinese numerals: as the policy numbers its parts and clauses (一 … 九十九), and as people
//! write rough counts (十几年, 几十个).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

const DIGITS: [char; 9] = ['一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// A 几 that follows a numeral or 好 (十几年, 二十几个, 廿几年, 好几个) or precedes a power of ten
/// (几十, 几百).
static ROUGH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([0-9〇零一二两三四五六七八九十廿卅百千万好])几|几([十百千万])").expect("valid regex")
});

/// `text` with its rough counts written without 几 (十几年 → 十多年, 几十 → 数十): 几 also asks
/// ("几年？"), and "我干了十几年电焊" asks nothing.
pub fn read_rough_counts(text: &str) -> Cow<'_, str> {
    if !text.contains('几') {
        return Cow::Borrowed(text);
    }
    ROUGH.replace_all(text, |found: &regex::Captures<'_>| match found.get(1) {
        Some(before) => format!("{}多", before.as_str()),
        None => format!("数{}", found.get(2).map_or("", |after| after.as_str())),
    })
}

/// The value of a numeral such as `十七` or `二十一`; `None` for anything else.
pub fn parse(numeral: &str) -> Option<u8> {
    let digit = |c: char| DIGITS.iter().position(|&d| d == c).map(|i| i as u8 + 1);
    let chars: Vec<char> = numeral.chars().collect();
    match chars.as_slice() {
        [one] if *one == '十' => Some(10),
        [one] => digit(*one),
        ['十', unit] => Some(10 + digit(*unit)?),
        [tens, '十'] => Some(digit(*tens)? * 10),
        [tens, '十', unit] => Some(digit(*tens)? * 10 + digit(*unit)?),
        _ => None,
    }
}

/// The numeral for `value` (1–99).
pub fn format(value: u8) -> String {
    let digit = |v: u8| DIGITS[usize::from(v - 1)];
    match (value / 10, value % 10) {
        (0, unit) => digit(unit).to_string(),
        (1, 0) => "十".to_owned(),
        (1, unit) => format!("十{}", digit(unit)),
        (tens, 0) => format!("{}十", digit(tens)),
        (tens, unit) => format!("{}十{}", digit(tens), digit(unit)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_numerals_the_policy_uses() {
        assert_eq!(parse("一"), Some(1));
        assert_eq!(parse("十"), Some(10));
        assert_eq!(parse("十七"), Some(17));
        assert_eq!(parse("二十"), Some(20));
        assert_eq!(parse("二十一"), Some(21));
        assert_eq!(parse("九十九"), Some(99));
    }

    #[test]
    fn rejects_what_is_not_a_numeral() {
        for text in ["", "零", "十十", "一二", "百", "17", "十七条"] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn rough_counts_lose_their_asking_ji() {
        assert_eq!(read_rough_counts("我干了十几年电焊"), "我干了十多年电焊");
        assert_eq!(read_rough_counts("做咗廿几年，二十几个人，几十万"), "做咗廿多年，二十多个人，数十万");
        assert_eq!(read_rough_counts("车间好几个人都想问"), "车间好多个人都想问");
        assert_eq!(read_rough_counts("要干几年？第几条？"), "要干几年？第几条？");
    }

    #[test]
    fn formats_and_parses_back_every_value() {
        for value in 1..=99 {
            assert_eq!(parse(&format(value)), Some(value));
        }
        assert_eq!(format(21), "二十一");
    }
}
