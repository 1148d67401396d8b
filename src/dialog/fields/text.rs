//! Free-text answers (names, addresses, employers): cleaned, measured in characters and matched
//! against the pattern a form may set.

use regex::Regex;

use super::Reason;
use crate::lang::Bilingual;
use crate::text::clean;

/// Why a free-text answer is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Fewer characters than the form asks for (an empty answer included).
    #[error("the answer has fewer than {min} characters")]
    TooShort {
        /// The fewest characters accepted.
        min: usize,
    },
    /// More characters than the form accepts.
    #[error("the answer has {found} characters, more than {max}")]
    TooLong {
        /// The most characters accepted.
        max: usize,
        /// How many characters were given.
        found: usize,
    },
    /// The answer does not match the form's pattern.
    #[error("the answer is not in the accepted format")]
    NotMatching,
}

/// Reads a free-text answer: control characters and zero-width marks removed, whitespace
/// collapsed, then between `min_chars` and `max_chars` characters (not bytes: `张三` is 2).
/// Full-width punctuation is kept, as it belongs to Chinese text. The `pattern` must match
/// somewhere in the cleaned answer; anchor it (`^…$`) to constrain the whole answer.
pub fn parse_text(raw: &str, min_chars: usize, max_chars: usize, pattern: Option<&Regex>) -> Result<String, TextError> {
    let text = clean(raw);
    let found = text.chars().count();
    if found < min_chars {
        return Err(TextError::TooShort { min: min_chars });
    }
    if found > max_chars {
        return Err(TextError::TooLong { max: max_chars, found });
    }
    if pattern.is_some_and(|pattern| !pattern.is_match(&text)) {
        return Err(TextError::NotMatching);
    }
    Ok(text)
}

/// `count` characters, in English with the right plural.
fn characters(count: usize) -> String {
    if count == 1 { "1 character".to_owned() } else { format!("{count} characters") }
}

impl Reason for TextError {
    fn reason(&self) -> Bilingual {
        match self {
            Self::TooShort { min } => Bilingual::new(
                format!("回答太短了，至少需要{min}个字，请补充后重新发送。"),
                format!(
                    "This answer is too short: it needs at least {}. Please add to it and send it again.",
                    characters(*min)
                ),
            ),
            Self::TooLong { max, found } => Bilingual::new(
                format!("回答太长了：最多{max}个字，您发送了{found}个字，请精简后重新发送。"),
                format!(
                    "This answer is too long: at most {} are accepted and you sent {found}. Please shorten it.",
                    characters(*max)
                ),
            ),
            Self::NotMatching => Bilingual::new(
                "这个回答的格式不符合要求，请按提示的格式重新发送。",
                "This answer is not in an accepted format; please send it again in the format asked for.",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_is_collapsed_and_trimmed() {
        assert_eq!(
            parse_text("  广州市\n\n天河区\t  珠江新城 ", 1, 100, None),
            Ok("广州市 天河区 珠江新城".to_owned())
        );
    }

    #[test]
    fn control_characters_and_zero_width_marks_are_removed() {
        assert_eq!(parse_text("张\u{0}三\u{200B}\u{7}", 2, 2, None), Ok("张三".to_owned()));
    }

    #[test]
    fn chinese_characters_and_emoji_count_as_one_character_each() {
        assert_eq!(parse_text("张三", 2, 2, None), Ok("张三".to_owned()));
        assert_eq!(parse_text("李😀", 2, 2, None), Ok("李😀".to_owned()));
        assert_eq!(parse_text("欧阳娜娜", 1, 3, None), Err(TextError::TooLong { max: 3, found: 4 }));
    }

    #[test]
    fn full_width_punctuation_is_kept() {
        assert_eq!(parse_text("华为（深圳）有限公司", 1, 50, None), Ok("华为（深圳）有限公司".to_owned()));
    }

    #[test]
    fn answers_shorter_than_the_minimum_are_refused() {
        assert_eq!(parse_text("", 1, 10, None), Err(TextError::TooShort { min: 1 }));
        assert_eq!(parse_text(" \n\u{3000}\u{200B} ", 1, 10, None), Err(TextError::TooShort { min: 1 }));
        assert_eq!(parse_text("张", 2, 10, None), Err(TextError::TooShort { min: 2 }));
        assert_eq!(parse_text("", 0, 10, None), Ok(String::new()));
    }

    #[test]
    fn the_bounds_are_inclusive() {
        assert_eq!(parse_text("ab", 2, 3, None), Ok("ab".to_owned()));
        assert_eq!(parse_text("abc", 2, 3, None), Ok("abc".to_owned()));
    }

    #[test]
    fn a_ten_thousand_character_answer_is_too_long() {
        assert_eq!(parse_text(&"字".repeat(10_000), 1, 200, None), Err(TextError::TooLong { max: 200, found: 10_000 }));
    }

    #[test]
    fn the_pattern_must_match() {
        let postcode = Regex::new(r"^[0-9]{6}$").unwrap();
        assert_eq!(parse_text(" 510000 ", 1, 10, Some(&postcode)), Ok("510000".to_owned()));
        assert_eq!(parse_text("51000", 1, 10, Some(&postcode)), Err(TextError::NotMatching));
        assert_eq!(parse_text("邮编510000", 1, 10, Some(&postcode)), Err(TextError::NotMatching));
    }

    #[test]
    fn the_length_is_checked_before_the_pattern() {
        let anything = Regex::new(r"^x$").unwrap();
        assert_eq!(parse_text("", 1, 10, Some(&anything)), Err(TextError::TooShort { min: 1 }));
    }

    #[test]
    fn reasons_give_the_limits() {
        let too_long = TextError::TooLong { max: 50, found: 63 }.reason();
        assert!(too_long.zh.contains("最多50个字") && too_long.zh.contains("63"), "{}", too_long.zh);
        assert!(too_long.en.contains("at most 50 characters"), "{}", too_long.en);
        assert!(TextError::TooShort { min: 1 }.reason().en.contains("at least 1 character."));
        assert!(TextError::NotMatching.reason().zh.contains("格式"));
    }
}
