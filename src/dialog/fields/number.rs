//! Whole numbers typed in chat: one number in digits or Chinese numerals inside a short answer
//! (`3人`, `3 people`, `两个孩子`, `没有`).

use super::{Reason, normalize};
use crate::lang::Bilingual;

/// Chinese numerals for the digits, by value (两 and 兩 are the counting forms of 二).
const CHINESE_DIGITS: [&[char]; 10] =
    [&['零', '〇'], &['一'], &['二', '两', '兩'], &['三'], &['四'], &['五'], &['六'], &['七'], &['八'], &['九']];

/// The Chinese numeral for ten, the only multiplier read (numbers up to 99).
const TEN: char = '十';

/// Multipliers beyond ten: an answer using them is asked for in digits rather than misread.
const MAGNITUDES: [char; 6] = ['百', '千', '万', '萬', '亿', '億'];

/// Words meaning "none", read as 0 when the answer has no number (Simplified and Traditional).
const NONE_WORDS_ZH: [&str; 4] = ["没有", "沒有", "无", "無"];

/// English words meaning "none", read as 0 when the answer has no number.
const NONE_WORDS_EN: [&str; 3] = ["no", "none", "zero"];

/// Why an answer is not a whole number the form accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// No digits, Chinese numerals or words for none.
    #[error("no number found")]
    NoNumber,
    /// Several numbers (`3或4`, `三四个`), so the answer is not clear.
    #[error("more than one number found")]
    Ambiguous,
    /// A decimal such as `2.5`.
    #[error("not a whole number")]
    Fraction,
    /// A number written with 百, 千, 万 or 亿, which is not read.
    #[error("numbers with 百, 千, 万 or 亿 are not read")]
    Magnitude,
    /// A number outside what the question allows.
    #[error("the number is not between {min} and {max}")]
    OutOfRange {
        /// The smallest number accepted.
        min: i64,
        /// The largest number accepted.
        max: i64,
    },
    /// More digits than a 64-bit integer holds.
    #[error("the number is too large")]
    TooLarge,
}

/// Reads the one whole number in an answer and checks that it lies in `min..=max`. Digits
/// (full-width too), Chinese numerals up to 99 and words for none (无, 没有, none, no) are read;
/// surrounding words are ignored.
pub fn parse_integer(raw: &str, min: i64, max: i64) -> Result<i64, NumberError> {
    let text = normalize(raw).to_lowercase();
    let value = match find_numbers(&text)?.as_slice() {
        [] if says_none(&text) => 0,
        [] => return Err(NumberError::NoNumber),
        [value] => *value,
        _ => return Err(NumberError::Ambiguous),
    };
    if !(min..=max).contains(&value) {
        return Err(NumberError::OutOfRange { min, max });
    }
    Ok(value)
}

/// Every number written in `text`, in digits or in Chinese numerals.
fn find_numbers(text: &str) -> Result<Vec<i64>, NumberError> {
    let chars: Vec<char> = text.chars().collect();
    let mut numbers = Vec::new();
    let mut start = 0;
    while let Some(&first) = chars.get(start) {
        let in_number: fn(char) -> bool = if first.is_ascii_digit() {
            |c| c.is_ascii_digit()
        } else if is_chinese_numeral(first) {
            is_chinese_numeral
        } else {
            start += 1;
            continue;
        };
        let end = chars[start..].iter().position(|&c| !in_number(c)).map_or(chars.len(), |length| start + length);
        let after = &chars[end..];
        if after.first().is_some_and(|c| MAGNITUDES.contains(c)) {
            return Err(NumberError::Magnitude);
        }
        let number = &chars[start..end];
        let value = if first.is_ascii_digit() {
            if let ['.', next, ..] = after
                && next.is_ascii_digit()
            {
                return Err(NumberError::Fraction);
            }
            read_digits(number, has_minus_sign(&chars[..start]))?
        } else {
            read_chinese(number).ok_or(NumberError::Ambiguous)?
        };
        numbers.push(value);
        start = end;
    }
    Ok(numbers)
}

/// Whether the digits after `before` are negative: a `-` right before them that does not join
/// two numbers (`3-4`).
fn has_minus_sign(before: &[char]) -> bool {
    match before {
        [.., joined, '-'] => !joined.is_ascii_digit(),
        [.., last] => *last == '-',
        [] => false,
    }
}

/// The value of a run of ASCII digits.
fn read_digits(digits: &[char], negative: bool) -> Result<i64, NumberError> {
    let digits: String = digits.iter().collect();
    let magnitude: i64 = digits.parse().map_err(|_| NumberError::TooLarge)?;
    Ok(if negative { -magnitude } else { magnitude })
}

/// The value of a Chinese numeral up to 99 (`七`, `十二`, `二十`, `九十九`); `None` for a run
/// that is not one number, such as `三四` ("three or four").
fn read_chinese(numeral: &[char]) -> Option<i64> {
    let nonzero = |c: char| chinese_digit(c).filter(|&digit| digit > 0);
    match *numeral {
        [TEN] => Some(10),
        [digit] => chinese_digit(digit),
        [TEN, units] => Some(10 + nonzero(units)?),
        [tens, TEN] => Some(nonzero(tens)? * 10),
        [tens, TEN, units] => Some(nonzero(tens)? * 10 + nonzero(units)?),
        _ => None,
    }
}

/// The value of a Chinese digit character.
fn chinese_digit(c: char) -> Option<i64> {
    CHINESE_DIGITS.iter().position(|forms| forms.contains(&c)).map(|value| value as i64)
}

fn is_chinese_numeral(c: char) -> bool {
    c == TEN || chinese_digit(c).is_some()
}

/// Whether the (lowercased) answer says "none".
fn says_none(text: &str) -> bool {
    NONE_WORDS_ZH.iter().any(|word| text.contains(word))
        || text.split(|c: char| !c.is_ascii_alphabetic()).any(|word| NONE_WORDS_EN.contains(&word))
}

impl Reason for NumberError {
    fn reason(&self) -> Bilingual {
        match self {
            Self::NoNumber => Bilingual::new(
                "没有找到数字，请发送一个数字，例如 3；如果没有，请回复 0。",
                "I could not find a number; please send one, e.g. 3, or 0 for none.",
            ),
            Self::Ambiguous => Bilingual::new(
                "您的回答里有不止一个数字，请只发送一个数字，例如 3。",
                "Your answer contains more than one number; please send just one, e.g. 3.",
            ),
            Self::Fraction => Bilingual::new(
                "请发送整数，不要带小数，例如 3。",
                "Please send a whole number without decimals, e.g. 3.",
            ),
            Self::Magnitude => Bilingual::new(
                "请用阿拉伯数字写出完整的数，例如 30000，不要用“百”“千”“万”等单位。",
                "Please write the full number in digits, e.g. 30000, without units such as 千 or 万.",
            ),
            Self::OutOfRange { min, max } => Bilingual::new(
                format!("请发送 {min} 到 {max} 之间的数字。"),
                format!("Please send a number from {min} to {max}."),
            ),
            Self::TooLarge => Bilingual::new(
                "这个数字太大了，请核对后重新发送。",
                "This number is far too large; please check it and send it again.",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<i64, NumberError> {
        parse_integer(raw, 0, 99)
    }

    #[test]
    fn digits_are_read_among_words() {
        for raw in ["3", "3人", "3 people", "共3个", " 3 \n", "我们家有3口人。"] {
            assert_eq!(parse(raw), Ok(3), "{raw}");
        }
        assert_eq!(parse("007"), Ok(7));
    }

    #[test]
    fn full_width_digits_are_read() {
        assert_eq!(parse("３人"), Ok(3));
        assert_eq!(parse("１２"), Ok(12));
    }

    #[test]
    fn chinese_numerals_up_to_ninety_nine_are_read() {
        for (raw, expected) in [
            ("零", 0),
            ("〇", 0),
            ("一个", 1),
            ("两个孩子", 2),
            ("兩個孩子", 2),
            ("二", 2),
            ("共三人", 3),
            ("九", 9),
            ("十", 10),
            ("十二", 12),
            ("二十", 20),
            ("二十三岁", 23),
            ("九十九", 99),
        ] {
            assert_eq!(parse(raw), Ok(expected), "{raw}");
        }
    }

    #[test]
    fn words_for_none_are_zero() {
        for raw in ["无", "没有", "沒有", "none", "No", "no children", "zero"] {
            assert_eq!(parse(raw), Ok(0), "{raw}");
        }
    }

    #[test]
    fn a_number_wins_over_a_word_for_none() {
        assert_eq!(parse("没有工作，3个孩子"), Ok(3));
    }

    #[test]
    fn answers_without_a_number_are_refused() {
        for raw in ["", "some", "不知道", "😀", "nobody", "\u{0}\u{7}"] {
            assert_eq!(parse(raw), Err(NumberError::NoNumber), "{raw}");
        }
    }

    #[test]
    fn more_than_one_number_is_ambiguous() {
        for raw in ["3或4", "3-4", "3 or 4", "三四个", "一两个", "2个大人3个孩子", "十十", "三十零"] {
            assert_eq!(parse(raw), Err(NumberError::Ambiguous), "{raw}");
        }
    }

    #[test]
    fn decimals_are_refused() {
        assert_eq!(parse("2.5"), Err(NumberError::Fraction));
        assert_eq!(parse("２．５个"), Err(NumberError::Fraction));
        assert_eq!(parse("3."), Ok(3));
    }

    #[test]
    fn hundreds_thousands_and_ten_thousands_are_asked_for_in_digits() {
        for raw in ["30万", "两千", "一百", "十万", "3亿"] {
            assert_eq!(parse_integer(raw, 0, i64::MAX), Err(NumberError::Magnitude), "{raw}");
        }
        assert_eq!(parse_integer("300000", 0, i64::MAX), Ok(300_000));
    }

    #[test]
    fn a_minus_sign_makes_a_number_negative() {
        assert_eq!(parse_integer("-3", -10, 10), Ok(-3));
        assert_eq!(parse_integer("－３度", -10, 10), Ok(-3));
        assert_eq!(parse("-3"), Err(NumberError::OutOfRange { min: 0, max: 99 }));
    }

    #[test]
    fn numbers_outside_the_range_are_refused_and_the_bounds_are_inclusive() {
        assert_eq!(parse_integer("1", 1, 10), Ok(1));
        assert_eq!(parse_integer("10", 1, 10), Ok(10));
        assert_eq!(parse_integer("0", 1, 10), Err(NumberError::OutOfRange { min: 1, max: 10 }));
        assert_eq!(parse_integer("十一", 1, 10), Err(NumberError::OutOfRange { min: 1, max: 10 }));
        assert_eq!(parse_integer("没有", 1, 10), Err(NumberError::OutOfRange { min: 1, max: 10 }));
    }

    #[test]
    fn numbers_beyond_64_bits_are_too_large() {
        assert_eq!(parse_integer("9223372036854775807", 0, i64::MAX), Ok(i64::MAX));
        assert_eq!(parse_integer("9223372036854775808", 0, i64::MAX), Err(NumberError::TooLarge));
        assert_eq!(parse(&"9".repeat(10_000)), Err(NumberError::TooLarge));
    }

    #[test]
    fn long_answers_are_read_without_trouble() {
        let long = format!("{}3{}", "人".repeat(5_000), "口".repeat(5_000));
        assert_eq!(parse(&long), Ok(3));
    }

    #[test]
    fn the_range_is_named_in_the_reason() {
        let reason = NumberError::OutOfRange { min: 1, max: 10 }.reason();
        assert!(reason.zh.contains("1 到 10"), "{}", reason.zh);
        assert!(reason.en.contains("from 1 to 10"), "{}", reason.en);
    }
}
