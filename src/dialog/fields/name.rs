//! Personal names (姓名): words in any script — 张三, 阿依古丽·买买提, María-José O'Neil — with the
//! marks names are written with, and at least one letter, so that a phone number or "12345" typed
//! into the wrong question is refused instead of filed as a name.

use super::text::{TextError, parse_text};
use super::{Reason, normalize};
use crate::lang::Bilingual;

/// A person's name as they write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullName(String);

/// Why an answer is not a name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Shorter or longer than the form allows.
    #[error(transparent)]
    Length(#[from] TextError),
    /// No letter at all (digits, punctuation, emoji only).
    #[error("a name needs at least one letter")]
    NoLetter,
    /// A digit or a symbol no name is written with.
    #[error("{0:?} does not belong in a name")]
    Character(char),
}

/// Marks between the parts of a name: the middle dots of transcribed names (阿依古丽·买买提,
/// full-width and katakana forms too), hyphens, apostrophes, and the dot of an initial.
const SEPARATORS: &[char] = &['·', '•', '・', '‧', '-', '‐', '‑', '\'', '’', '.', ' '];

impl FullName {
    /// Reads a name of `min_chars` to `max_chars` characters: letters of any script (with their
    /// combining accents) and [`SEPARATORS`], at least one letter.
    pub fn parse(raw: &str, min_chars: usize, max_chars: usize) -> Result<Self, NameError> {
        let name = parse_text(&normalize(raw), min_chars, max_chars, None)?;
        if let Some(odd) =
            name.chars().find(|&c| !c.is_alphabetic() && !SEPARATORS.contains(&c) && !is_combining_mark(c))
        {
            return Err(NameError::Character(odd));
        }
        if !name.chars().any(char::is_alphabetic) {
            return Err(NameError::NoLetter);
        }
        Ok(Self(name))
    }

    /// The name.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Accents typed as a separate character after their letter (e + U+0301 for é).
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}')
}

impl Reason for NameError {
    fn reason(&self) -> Bilingual {
        match self {
            Self::Length(error) => error.reason(),
            Self::NoLetter | Self::Character(_) => Bilingual::new(
                "姓名应由汉字或字母组成（可含间隔号“·”、连字符或撇号），请按证件上的姓名重新填写。",
                "A name is written in letters (with a middle dot, hyphen or apostrophe where it has one); \
                 please write it as on your ID document.",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<String, NameError> {
        FullName::parse(raw, 2, 30).map(FullName::into_string)
    }

    #[test]
    fn names_in_every_script_with_their_marks_are_accepted() {
        for name in ["张三", "欧阳娜娜", "阿依古丽·买买提", "María-José O'Neil", "Jean d’Arc", "J. R. Smith", "Зоя Ким"]
        {
            assert_eq!(parse(name), Ok(name.to_owned()), "{name}");
        }
        assert_eq!(parse("  张\u{200B}三 "), Ok("张三".to_owned()));
        assert_eq!(parse("Jose\u{301}"), Ok("Jose\u{301}".to_owned()), "a combining accent");
    }

    #[test]
    fn answers_without_a_letter_are_refused() {
        assert_eq!(parse("12345"), Err(NameError::Character('1')));
        for raw in ["--", "·· ", "'.'"] {
            assert_eq!(parse(raw), Err(NameError::NoLetter), "{raw}");
        }
    }

    #[test]
    fn digits_and_symbols_are_refused() {
        assert_eq!(parse("张三13800138000"), Err(NameError::Character('1')));
        assert_eq!(parse("张三😀"), Err(NameError::Character('😀')));
        assert_eq!(parse("李@"), Err(NameError::Character('@')));
        assert_eq!(parse("１２３４５"), Err(NameError::Character('1')), "full-width digits are digits");
    }

    #[test]
    fn the_length_bounds_apply() {
        assert_eq!(parse("李"), Err(NameError::Length(TextError::TooShort { min: 2 })));
        assert!(matches!(parse(&"李".repeat(31)), Err(NameError::Length(TextError::TooLong { .. }))));
    }

    #[test]
    fn the_reason_says_what_a_name_is_written_in() {
        assert!(NameError::NoLetter.reason().zh.contains("汉字或字母"));
        assert!(NameError::Length(TextError::TooShort { min: 2 }).reason().zh.contains("至少需要2个字"));
    }
}
