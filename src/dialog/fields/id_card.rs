//! The resident identity card number of the People's Republic of China (GB 11643-1999): region,
//! birth date and ISO 7064 MOD 11-2 check character.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Reason, compact, mask};
use crate::lang::Bilingual;

/// How many characters a resident identity card number has.
const LENGTH: usize = 18;

/// The weight of each of the 17 body digits in the check sum (2^(17 - i) mod 11).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The check character for each value of the weighted sum modulo 11.
const CHECK_CHARACTERS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The oldest birth date accepted: earlier ones are typing mistakes, not living applicants.
const EARLIEST_BIRTH: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid constant date");

/// A PRC resident identity card number whose region, birth date and check character are right.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdCardNumber(String);

/// Why a text is not a resident identity card number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdCardError {
    /// Not 18 characters once spaces are removed.
    #[error("an ID card number has 18 characters, {found} were given")]
    Length {
        /// How many characters were given.
        found: usize,
    },
    /// Something other than 17 digits followed by a digit or X.
    #[error("an ID card number has 17 digits followed by a digit or X")]
    Characters,
    /// The first two digits are not a province-level region code.
    #[error("the first two digits are not a province-level region code")]
    Region,
    /// Characters 7 to 14 are not a calendar date, or one before 1900.
    #[error("characters 7 to 14 are not a possible birth date")]
    BirthDate,
    /// Characters 7 to 14 are a date after today.
    #[error("the birth date in the number is in the future")]
    FutureBirthDate,
    /// The last character does not match the check sum of the first 17 digits.
    #[error("the check character does not match the first 17 digits")]
    CheckCharacter,
}

impl IdCardNumber {
    /// Reads an identity card number typed in chat. Spaces, full-width digits and a lowercase
    /// `x` are accepted; birth dates after `today` are refused.
    pub fn parse(raw: &str, today: NaiveDate) -> Result<Self, IdCardError> {
        let number = compact(raw, &[]).to_ascii_uppercase();
        if !number.chars().all(|c| c.is_ascii_digit() || c == 'X') {
            return Err(IdCardError::Characters);
        }
        let found = number.chars().count();
        if found != LENGTH {
            return Err(IdCardError::Length { found });
        }
        // From here the number is 18 ASCII characters, so byte slicing is safe.
        let (body, check) = number.split_at(LENGTH - 1);
        if body.contains('X') {
            return Err(IdCardError::Characters);
        }
        if !is_region(&body[..2]) {
            return Err(IdCardError::Region);
        }
        let birth = read_birth_date(&number).ok_or(IdCardError::BirthDate)?;
        if birth < EARLIEST_BIRTH {
            return Err(IdCardError::BirthDate);
        }
        if birth > today {
            return Err(IdCardError::FutureBirthDate);
        }
        if !check.starts_with(check_character(body)) {
            return Err(IdCardError::CheckCharacter);
        }
        Ok(Self(number))
    }

    /// The 18 characters, with an uppercase `X`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The holder's date of birth (characters 7 to 14).
    ///
    /// # Panics
    /// Only if the value was deserialized from a corrupted store: `parse` guarantees the date.
    pub fn birth_date(&self) -> NaiveDate {
        read_birth_date(&self.0).expect("an IdCardNumber holds a valid birth date")
    }

    /// The number with all but the first 4 and last 4 characters hidden: `4401**********1234`.
    pub fn masked(&self) -> String {
        mask(&self.0, 4, 4)
    }
}

shown_in_full_logged_masked!(IdCardNumber);

impl Reason for IdCardError {
    fn reason(&self) -> Bilingual {
        match self {
            Self::Length { found } => Bilingual::new(
                format!("身份证号码应为18位，您发送了{found}位，请核对后重新发送。"),
                format!("An ID card number has 18 characters; you sent {found}. Please check it and send it again."),
            ),
            Self::Characters => Bilingual::new(
                "身份证号码由17位数字和最后一位校验码（数字或X）组成，请只发送号码本身。",
                "An ID card number is 17 digits followed by a digit or X; please send only the number.",
            ),
            Self::Region => Bilingual::new(
                "身份证号码的前两位不是有效的省级行政区代码，请核对开头两位。",
                "The first two digits of this ID card number are not a valid province code; please check them.",
            ),
            Self::BirthDate => Bilingual::new(
                "身份证号码第7至14位的出生日期无效，请核对出生年月日。",
                "Characters 7 to 14 of this ID card number are not a valid birth date; please check them.",
            ),
            Self::FutureBirthDate => Bilingual::new(
                "身份证号码中的出生日期晚于今天，请核对第7至14位。",
                "The birth date in this ID card number (characters 7 to 14) is in the future; please check it.",
            ),
            Self::CheckCharacter => Bilingual::new(
                "身份证号码的校验位不对，请核对最后一位（数字或X）。",
                "The check digit (last character) of this ID card number is wrong; please check it (a digit or X).",
            ),
        }
    }
}

/// Whether `code` is a province-level region code of GB/T 2260 (Taiwan, Hong Kong and Macau
/// included: their residents' residence permits use the same format).
fn is_region(code: &str) -> bool {
    matches!(code.parse::<u8>(), Ok(11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82))
}

/// The calendar date written as YYYYMMDD in characters 7 to 14, if there is one.
fn read_birth_date(number: &str) -> Option<NaiveDate> {
    let digits = number.get(6..14)?;
    let year = digits.get(..4)?.parse().ok()?;
    let month = digits.get(4..6)?.parse().ok()?;
    let day = digits.get(6..)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The ISO 7064 MOD 11-2 check character of a 17-digit body.
fn check_character(body: &str) -> char {
    let sum: u32 = body.chars().zip(WEIGHTS).map(|(c, weight)| c.to_digit(10).unwrap_or(0) * weight).sum();
    CHECK_CHARACTERS[(sum % 11) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()
    }

    /// A complete, valid number from its first 17 digits.
    fn complete(body: &str) -> String {
        format!("{body}{}", check_character(body))
    }

    fn parse(raw: &str) -> Result<IdCardNumber, IdCardError> {
        IdCardNumber::parse(raw, today())
    }

    #[test]
    fn the_examples_of_the_standard_have_the_right_check_character() {
        // GB 11643-1999 works these two through by hand.
        assert_eq!(check_character("11010519491231002"), 'X');
        assert_eq!(check_character("44052418800101001"), '4');
    }

    #[test]
    fn a_valid_number_is_accepted_with_its_birth_date() {
        let number = complete("44010619900307123");
        let id = parse(&number).unwrap();
        assert_eq!(id.as_str(), number);
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1990, 3, 7).unwrap());
    }

    #[test]
    fn a_number_whose_check_character_is_x_is_accepted() {
        let id = parse("11010519491231002X").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn a_lowercase_x_is_read_as_uppercase() {
        assert_eq!(parse("11010519491231002x").unwrap().as_str(), "11010519491231002X");
    }

    #[test]
    fn spaces_and_full_width_digits_are_accepted() {
        let number = complete("44030420000229451");
        let spaced = format!("{} {} {}", &number[..6], &number[6..14], &number[14..]);
        assert_eq!(parse(&spaced).unwrap().as_str(), number);
        assert_eq!(parse("１１０１０５１９４９１２３１００２Ｘ").unwrap().as_str(), "11010519491231002X");
    }

    #[test]
    fn a_birth_on_the_leap_day_of_2000_is_accepted() {
        let id = parse(&complete("44030420000229451")).unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(2000, 2, 29).unwrap());
    }

    #[test]
    fn leap_days_of_common_years_are_refused() {
        assert_eq!(parse(&complete("44030419000229451")), Err(IdCardError::BirthDate));
        assert_eq!(parse(&complete("44030420230229451")), Err(IdCardError::BirthDate));
    }

    #[test]
    fn impossible_and_pre_1900_birth_dates_are_refused() {
        assert_eq!(parse(&complete("44030419901301451")), Err(IdCardError::BirthDate));
        assert_eq!(parse(&complete("44030419900100451")), Err(IdCardError::BirthDate));
        assert_eq!(parse(&complete("44052418800101001")), Err(IdCardError::BirthDate));
    }

    #[test]
    fn a_birth_date_after_today_is_refused_but_today_is_accepted() {
        assert_eq!(parse(&complete("44030420260316451")), Err(IdCardError::FutureBirthDate));
        assert!(parse(&complete("44030420260315451")).is_ok());
    }

    #[test]
    fn seventeen_or_nineteen_characters_say_how_many_were_given() {
        assert_eq!(parse("44010619900307123"), Err(IdCardError::Length { found: 17 }));
        assert_eq!(parse("4401061990030712345"), Err(IdCardError::Length { found: 19 }));
        assert_eq!(parse(""), Err(IdCardError::Length { found: 0 }));
        assert_eq!(parse(&"1".repeat(10_000)), Err(IdCardError::Length { found: 10_000 }));
    }

    #[test]
    fn letters_punctuation_and_emoji_are_refused() {
        assert_eq!(parse("44010619900307123A"), Err(IdCardError::Characters));
        assert_eq!(parse("440106-19900307-1234"), Err(IdCardError::Characters));
        assert_eq!(parse("我的身份证号是440106199003071234"), Err(IdCardError::Characters));
        assert_eq!(parse("😀"), Err(IdCardError::Characters));
    }

    #[test]
    fn an_x_before_the_last_position_is_refused() {
        assert_eq!(parse("4401061990030712X4"), Err(IdCardError::Characters));
    }

    #[test]
    fn control_characters_are_ignored() {
        assert!(parse("11010519491231002X\u{0}\u{200B}\n").is_ok());
    }

    #[test]
    fn unknown_region_codes_are_refused() {
        for code in ["00", "10", "16", "20", "24", "38", "47", "55", "66", "72", "83", "91", "99"] {
            let number = complete(&format!("{code}010619900307123"));
            assert_eq!(parse(&number), Err(IdCardError::Region), "{code}");
        }
    }

    #[test]
    fn every_province_level_region_code_is_accepted() {
        for code in (11..=15).chain(21..=23).chain(31..=37).chain(41..=46).chain(50..=54).chain(61..=65) {
            assert!(parse(&complete(&format!("{code}010619900307123"))).is_ok(), "{code}");
        }
        for code in [71, 81, 82] {
            assert!(parse(&complete(&format!("{code}000019900307123"))).is_ok(), "{code}");
        }
    }

    #[test]
    fn a_wrong_check_character_is_refused() {
        assert_eq!(parse("110105194912310021"), Err(IdCardError::CheckCharacter));
        let number = complete("44010619900307123");
        let wrong = if number.ends_with('0') { "1" } else { "0" };
        assert_eq!(parse(&format!("{}{wrong}", &number[..17])), Err(IdCardError::CheckCharacter));
    }

    #[test]
    fn masking_keeps_the_first_and_last_four_characters() {
        let id = parse("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(format!("{id:?}"), r#"IdCardNumber("1101**********002X")"#);
    }

    #[test]
    fn display_shows_the_full_number() {
        assert_eq!(parse("11010519491231002x").unwrap().to_string(), "11010519491231002X");
    }

    #[test]
    fn serializes_as_a_plain_string() {
        let id = parse("11010519491231002X").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, r#""11010519491231002X""#);
        assert_eq!(serde_json::from_str::<IdCardNumber>(&json).unwrap(), id);
    }

    #[test]
    fn every_error_explains_itself_in_both_languages() {
        let errors = [
            IdCardError::Length { found: 17 },
            IdCardError::Characters,
            IdCardError::Region,
            IdCardError::BirthDate,
            IdCardError::FutureBirthDate,
            IdCardError::CheckCharacter,
        ];
        for error in errors {
            let reason = error.reason();
            assert!(reason.zh.contains("身份证"), "{error:?}");
            assert!(reason.en.contains("ID card"), "{error:?}");
        }
        assert!(IdCardError::Length { found: 17 }.reason().zh.contains("17位"));
    }
}
