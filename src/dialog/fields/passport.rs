//! Passport numbers of any country: the document-number field of ICAO 9303 (at most 9 letters
//! and digits), with the shape checks that catch typing mistakes but no per-country rules.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use super::{Reason, compact, mask};
use crate::lang::Bilingual;

/// How many characters a passport number has: ICAO 9303 allows at most 9, and no country issues
/// fewer than 6.
const LENGTH: RangeInclusive<usize> = 6..=9;

/// A passport number: 6 to 9 uppercase ASCII letters and digits.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PassportNumber(String);

/// Why a text is not a passport number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PassportError {
    /// Characters other than Latin letters and digits.
    #[error("a passport number contains only Latin letters and digits")]
    Characters,
    /// Fewer than 6 or more than 9 characters.
    #[error("a passport number has 6 to 9 characters, {found} were given")]
    Length {
        /// How many characters were given.
        found: usize,
    },
    /// Letters only.
    #[error("a passport number contains at least one digit")]
    NoDigit,
    /// One character repeated, a placeholder rather than a number.
    #[error("a passport number is not one character repeated")]
    Repeated,
}

impl PassportNumber {
    /// Reads a passport number typed in chat. Spaces, dashes, lowercase letters and full-width
    /// forms are accepted.
    pub fn parse(raw: &str) -> Result<Self, PassportError> {
        let number = compact(raw, &['-']).to_ascii_uppercase();
        if !number.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(PassportError::Characters);
        }
        if !LENGTH.contains(&number.len()) {
            return Err(PassportError::Length { found: number.len() });
        }
        if !number.chars().any(|c| c.is_ascii_digit()) {
            return Err(PassportError::NoDigit);
        }
        if number.chars().all(|c| number.starts_with(c)) {
            return Err(PassportError::Repeated);
        }
        Ok(Self(number))
    }

    /// The number in uppercase, without separators.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with all but the first and the last three characters hidden: `E*****678`.
    pub fn masked(&self) -> String {
        mask(&self.0, 1, 3)
    }
}

shown_in_full_logged_masked!(PassportNumber);

impl Reason for PassportError {
    fn reason(&self) -> Bilingual {
        match self {
            Self::Characters => Bilingual::new(
                "护照号码只包含英文字母和数字，请只发送护照资料页上的号码，例如 E12345678。",
                "A passport number contains only Latin letters and digits; please send just the number on \
                 the data page, e.g. E12345678.",
            ),
            Self::Length { found } => Bilingual::new(
                format!("护照号码应为6至9位，您发送了{found}位，请对照护照资料页核对。"),
                format!(
                    "A passport number has 6 to 9 characters; you sent {found}. Please check it against the \
                     data page of your passport."
                ),
            ),
            Self::NoDigit => Bilingual::new(
                "护照号码中至少有一位数字，请对照护照资料页核对。",
                "A passport number contains at least one digit; please check it against the data page of \
                 your passport.",
            ),
            Self::Repeated => Bilingual::new(
                "这看起来不是真实的护照号码，请发送护照资料页上的号码。",
                "This does not look like a real passport number; please send the number on the data page of \
                 your passport.",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<PassportNumber, PassportError> {
        PassportNumber::parse(raw)
    }

    #[test]
    fn real_passport_number_forms_of_many_countries_are_accepted() {
        let numbers = [
            "E12345678", // China, ordinary passport
            "EA1234567", // China, ordinary passport (newer series)
            "G12345678", // China, older ordinary passport
            "546238790", // United States
            "107185703", // United Kingdom
            "C01X00T47", // Germany
            "A1234567",  // India
            "TK1234567", // Japan
            "M12345678", // Korea
            "12AB34567", // France
            "AB123456",  // Canada
            "N1234567",  // Australia
        ];
        for number in numbers {
            assert_eq!(parse(number).unwrap().as_str(), number);
        }
    }

    #[test]
    fn lowercase_spaces_dashes_and_full_width_forms_are_normalised() {
        for raw in ["e12345678", "E 1234 5678", "E-1234-5678", "Ｅ１２３４５６７８", " e12345678\n"] {
            assert_eq!(parse(raw).unwrap().as_str(), "E12345678", "{raw}");
        }
    }

    #[test]
    fn too_short_or_too_long_numbers_say_how_many_characters_were_given() {
        assert_eq!(parse("E1234"), Err(PassportError::Length { found: 5 }));
        assert_eq!(parse("E123456789"), Err(PassportError::Length { found: 10 }));
        assert_eq!(parse(""), Err(PassportError::Length { found: 0 }));
        assert_eq!(parse(&"A1".repeat(5_000)), Err(PassportError::Length { found: 10_000 }));
    }

    #[test]
    fn punctuation_emoji_and_non_latin_letters_are_refused() {
        for raw in ["E1234567.", "E1234_5678", "E12345😀", "护照E12345678", "É1234567"] {
            assert_eq!(parse(raw), Err(PassportError::Characters), "{raw}");
        }
    }

    #[test]
    fn letters_only_are_refused() {
        assert_eq!(parse("ABCDEFGH"), Err(PassportError::NoDigit));
    }

    #[test]
    fn one_character_repeated_is_refused() {
        assert_eq!(parse("000000000"), Err(PassportError::Repeated));
        assert_eq!(parse("1111111"), Err(PassportError::Repeated));
    }

    #[test]
    fn masking_keeps_the_first_and_the_last_three_characters() {
        let passport = parse("E12345678").unwrap();
        assert_eq!(passport.masked(), "E*****678");
        assert_eq!(format!("{passport:?}"), r#"PassportNumber("E*****678")"#);
        assert_eq!(parse("AB123456").unwrap().masked(), "A****456");
    }

    #[test]
    fn displays_and_serializes_as_the_normalised_number() {
        let passport = parse("e-1234 5678").unwrap();
        assert_eq!(passport.to_string(), "E12345678");
        let json = serde_json::to_string(&passport).unwrap();
        assert_eq!(json, r#""E12345678""#);
        assert_eq!(serde_json::from_str::<PassportNumber>(&json).unwrap(), passport);
    }

    #[test]
    fn every_error_explains_itself_in_both_languages() {
        let errors = [
            PassportError::Characters,
            PassportError::Length { found: 5 },
            PassportError::NoDigit,
            PassportError::Repeated,
        ];
        for error in errors {
            let reason = error.reason();
            assert!(reason.zh.contains("护照"), "{error:?}");
            assert!(reason.en.contains("passport"), "{error:?}");
        }
    }
}
