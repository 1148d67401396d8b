//! Mainland China mobile phone numbers: 11 digits with a currently allocated mobile prefix,
//! typed with or without the country code and separators.

use serde::{Deserialize, Serialize};

use super::{Reason, compact, mask};
use crate::lang::Bilingual;

/// How many digits a mainland mobile number has without the country code.
const LENGTH: usize = 11;

/// A mainland China mobile number: 11 digits, no country code.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

/// Why a text is not a mainland China mobile number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Characters other than digits and the allowed separators.
    #[error("a phone number may only contain digits, spaces, dashes and parentheses")]
    NotDigits,
    /// Not 11 digits once the country code is removed.
    #[error("a mobile number has 11 digits, {found} were given")]
    Length {
        /// How many digits were given.
        found: usize,
    },
    /// A landline, a foreign number, or a prefix not allocated to mobile networks.
    #[error("not a mainland China mobile number")]
    NotMobile,
}

impl PhoneNumber {
    /// Reads a mobile number typed in chat. Spaces, dashes, parentheses, full-width digits and
    /// a leading `+86`, `0086` or `86` are accepted.
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let typed = compact(raw, &['-', '(', ')']);
        let national = strip_country_code(&typed)?;
        if !national.chars().all(|c| c.is_ascii_digit()) {
            return Err(PhoneError::NotDigits);
        }
        // Area codes start with 0 (020, 0755): a landline of any length is not a mobile number.
        if national.starts_with('0') {
            return Err(PhoneError::NotMobile);
        }
        if national.len() != LENGTH {
            return Err(PhoneError::Length { found: national.len() });
        }
        if !is_mobile_prefix(&national[..3]) {
            return Err(PhoneError::NotMobile);
        }
        Ok(Self(national.to_owned()))
    }

    /// The 11 digits, without the country code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with the middle four digits hidden: `138****8000`.
    pub fn masked(&self) -> String {
        mask(&self.0, 3, 4)
    }
}

shown_in_full_logged_masked!(PhoneNumber);

impl Reason for PhoneError {
    fn reason(&self) -> Bilingual {
        match self {
            Self::NotDigits => Bilingual::new(
                "手机号码只能包含数字，请只发送号码，例如 138 0013 8000。",
                "A phone number may only contain digits; please send just the number, e.g. 138 0013 8000.",
            ),
            Self::Length { found } => Bilingual::new(
                format!("手机号码应为11位数字，您发送了{found}位，请核对后重新发送。"),
                format!("A mobile number has 11 digits; you sent {found}. Please check it and send it again."),
            ),
            Self::NotMobile => Bilingual::new(
                "这不是中国大陆的手机号码（固定电话和境外号码不能使用），请发送11位手机号码，例如 138 0013 8000。",
                "This is not a mainland China mobile number (landlines and foreign numbers cannot be used); \
                 please send an 11-digit mobile number, e.g. 138 0013 8000.",
            ),
        }
    }
}

/// The number without a leading China country code; another country's code is refused.
fn strip_country_code(number: &str) -> Result<&str, PhoneError> {
    if let Some(national) = number.strip_prefix("+86").or_else(|| number.strip_prefix("0086")) {
        return Ok(national);
    }
    if number.starts_with('+') {
        return Err(PhoneError::NotMobile);
    }
    // A bare 86 is only a country code when it makes the number two digits too long.
    match number.strip_prefix("86") {
        Some(national) if national.len() == LENGTH => Ok(national),
        _ => Ok(number),
    }
}

/// Whether the first three digits are a prefix allocated to mobile networks (as of 2025).
fn is_mobile_prefix(prefix: &str) -> bool {
    matches!(
        prefix.parse::<u16>(),
        Ok(
            130..=139
            | 145..=149
            | 150..=153
            | 155..=159
            | 162
            | 165..=167
            | 170..=178
            | 180..=189
            | 190..=193
            | 195..=199,
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<PhoneNumber, PhoneError> {
        PhoneNumber::parse(raw)
    }

    /// An 11-digit number with the given three-digit prefix.
    fn with_prefix(prefix: u16) -> String {
        format!("{prefix}00138000")
    }

    #[test]
    fn a_plain_mobile_number_is_accepted() {
        assert_eq!(parse("13800138000").unwrap().as_str(), "13800138000");
    }

    #[test]
    fn spaces_dashes_and_parentheses_are_removed() {
        for raw in ["138 0013 8000", "138-0013-8000", "(138) 0013-8000", " 138\u{3000}0013\u{3000}8000 "] {
            assert_eq!(parse(raw).unwrap().as_str(), "13800138000", "{raw}");
        }
    }

    #[test]
    fn full_width_digits_are_accepted() {
        assert_eq!(parse("１３８００１３８０００").unwrap().as_str(), "13800138000");
    }

    #[test]
    fn the_china_country_code_is_removed_in_every_form() {
        for raw in ["+8613800138000", "+86 138 0013 8000", "(+86) 138-0013-8000", "008613800138000", "8613800138000"] {
            assert_eq!(parse(raw).unwrap().as_str(), "13800138000", "{raw}");
        }
    }

    #[test]
    fn another_country_code_is_not_a_mainland_mobile_number() {
        assert_eq!(parse("+1 415 555 0100"), Err(PhoneError::NotMobile));
        assert_eq!(parse("+852 9123 4567"), Err(PhoneError::NotMobile));
    }

    #[test]
    fn landlines_are_not_mobile_numbers() {
        assert_eq!(parse("020-12345678"), Err(PhoneError::NotMobile));
        assert_eq!(parse("0755-12345678"), Err(PhoneError::NotMobile));
        assert_eq!(parse("(010) 6552 9988"), Err(PhoneError::NotMobile));
    }

    #[test]
    fn each_prefix_range_is_accepted_at_both_ends() {
        for prefix in [130, 139, 145, 149, 150, 153, 155, 159, 162, 165, 167, 170, 178, 180, 189, 190, 193, 195, 199] {
            assert!(parse(&with_prefix(prefix)).is_ok(), "{prefix}");
        }
    }

    #[test]
    fn prefixes_just_outside_the_ranges_are_refused() {
        for prefix in [100, 120, 129, 140, 144, 154, 160, 161, 163, 164, 168, 169, 179, 194] {
            assert_eq!(parse(&with_prefix(prefix)), Err(PhoneError::NotMobile), "{prefix}");
        }
    }

    #[test]
    fn a_wrong_number_of_digits_says_how_many_were_given() {
        assert_eq!(parse("1380013800"), Err(PhoneError::Length { found: 10 }));
        assert_eq!(parse("138001380001"), Err(PhoneError::Length { found: 12 }));
        assert_eq!(parse(""), Err(PhoneError::Length { found: 0 }));
        assert_eq!(parse(&"1".repeat(10_000)), Err(PhoneError::Length { found: 10_000 }));
    }

    #[test]
    fn letters_emoji_and_words_are_not_digits() {
        for raw in ["138OO138OOO", "电话13800138000", "📱13800138000", "138.0013.8000"] {
            assert_eq!(parse(raw), Err(PhoneError::NotDigits), "{raw}");
        }
    }

    #[test]
    fn masking_hides_the_middle_four_digits() {
        let phone = parse("13800138000").unwrap();
        assert_eq!(phone.masked(), "138****8000");
        assert_eq!(format!("{phone:?}"), r#"PhoneNumber("138****8000")"#);
    }

    #[test]
    fn displays_and_serializes_as_the_eleven_digits() {
        let phone = parse("+86 138 0013 8000").unwrap();
        assert_eq!(phone.to_string(), "13800138000");
        let json = serde_json::to_string(&phone).unwrap();
        assert_eq!(json, r#""13800138000""#);
        assert_eq!(serde_json::from_str::<PhoneNumber>(&json).unwrap(), phone);
    }

    #[test]
    fn every_error_explains_itself_in_both_languages() {
        for error in [PhoneError::NotDigits, PhoneError::Length { found: 10 }, PhoneError::NotMobile] {
            let reason = error.reason();
            assert!(reason.zh.contains("手机号码"), "{error:?}");
            assert!(reason.en.contains("number"), "{error:?}");
        }
        assert!(PhoneError::Length { found: 10 }.reason().en.contains("you sent 10"));
    }
}
