//! Answers as the forms store them: one typed value per step, serialised into the dialog state
//! and the filed application, shown to the user, masked for staff broadcasts and logs.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::fields::{Email, IdCardNumber, PassportNumber, PhoneNumber};
use super::flow::{Kind, Step};
use crate::lang::{Bilingual, Lang, Scripts};

/// A file a user sent for a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// Where the bytes are: a path under the files directory.
    pub location: String,
    /// The file's original name.
    pub name: String,
    /// Its MIME type.
    pub mime: String,
    /// Its size in bytes.
    pub size: u64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
}

impl FileRef {
    /// A file that was not kept because it is over the size limit: no location, and its real
    /// size, so that the form can explain the limit.
    pub fn unkept(name: String, mime: String, size: u64) -> Self {
        Self { location: String::new(), name, mime, size, sha256: String::new() }
    }
}

/// One answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    /// Free text.
    Text(String),
    /// A choice's value.
    Choice(String),
    /// Several choices' values.
    Choices(Vec<String>),
    /// Yes or no.
    YesNo(bool),
    /// A number.
    Integer(i64),
    /// A date (the first of the month for month steps).
    Date(NaiveDate),
    /// A mobile number.
    Phone(PhoneNumber),
    /// An identity card number.
    IdCard(IdCardNumber),
    /// A passport number.
    Passport(PassportNumber),
    /// An e-mail address.
    Email(Email),
    /// A file.
    File(FileRef),
    /// An optional step the user skipped.
    Skipped,
}

impl Value {
    /// The values a `when` condition compares with: the choice values, `yes`/`no`.
    pub fn matches_any(&self, values: &[String]) -> bool {
        match self {
            Self::Choice(value) => values.contains(value),
            Self::Choices(chosen) => chosen.iter().any(|value| values.contains(value)),
            Self::YesNo(answer) => values.iter().any(|value| value == if *answer { "yes" } else { "no" }),
            _ => false,
        }
    }

    /// The answer as the user reads it, in `lang`.
    pub fn display(&self, step: &Step, lang: Lang, scripts: &Scripts) -> String {
        self.show(step, lang, scripts, false)
    }

    /// The answer with personal identifiers masked (ID 4408**********1234, phone 138****8000),
    /// for staff broadcasts and logs.
    pub fn display_masked(&self, step: &Step, lang: Lang, scripts: &Scripts) -> String {
        self.show(step, lang, scripts, true)
    }

    fn show(&self, step: &Step, lang: Lang, scripts: &Scripts, masked: bool) -> String {
        let label = |value: &str| {
            step.options()
                .iter()
                .find(|option| option.value == value)
                .map_or_else(|| value.to_owned(), |option| option.label.render(lang, scripts))
        };
        match self {
            Self::Text(text) => text.clone(),
            Self::Choice(value) => label(value),
            Self::Choices(values) => {
                values.iter().map(|v| label(v)).collect::<Vec<_>>().join(if lang == Lang::En { "; " } else { "、" })
            }
            Self::YesNo(answer) => yes_no(*answer).render(lang, scripts),
            Self::Integer(number) => number.to_string(),
            Self::Date(date) if matches!(step.kind, Kind::Date { month_only: true, .. }) => {
                date.format("%Y-%m").to_string()
            }
            Self::Date(date) => date.format("%Y-%m-%d").to_string(),
            Self::Phone(phone) if masked => phone.masked(),
            Self::Phone(phone) => phone.to_string(),
            Self::IdCard(id) if masked => id.masked(),
            Self::IdCard(id) => id.to_string(),
            Self::Passport(passport) if masked => passport.masked(),
            Self::Passport(passport) => passport.to_string(),
            Self::Email(email) => email.to_string(),
            Self::File(file) => format!("{} ({} KB)", file.name, file.size.div_ceil(1024)),
            Self::Skipped => Bilingual::new("（未填写）", "(not given)").render(lang, scripts),
        }
    }
}

/// "Yes" or "no" in both languages.
pub fn yes_no(answer: bool) -> Bilingual {
    if answer { Bilingual::new("是", "Yes") } else { Bilingual::new("否", "No") }
}
