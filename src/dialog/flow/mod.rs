//! Flow definitions: a validated [`Flow`] of [`Step`]s, read from `dialogs/*.toml` by `parse`
//! — every reference, regex, bound and translation checked at load, so a broken file is an error
//! naming the file and the step, never a surprise in front of a user.

mod parse;

use std::collections::{BTreeMap, HashSet};

use chrono::{Months, NaiveDate, TimeDelta};
use regex::Regex;
use serde::Deserialize;

use super::value::Value;
use crate::lang::{Bilingual, Lang};
use crate::policy::TierTable;

/// Largest file a form accepts (Telegram lets bots download up to 20 MB).
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;
/// Longest text answer a form accepts.
pub const MAX_TEXT_CHARS: usize = 2_000;
/// The option value meaning "something not listed".
pub const OTHER: &str = "other";
/// The option value meaning "none of these" in a multi-choice.
pub const NONE: &str = "none";
/// The longest flow id (button data `start:<id>:<tier item>` must fit in 64 bytes).
pub const MAX_FLOW_ID: usize = 24;

/// A validated form.
#[derive(Debug, Clone)]
pub struct Flow {
    /// Identifier used in commands and storage (`talent-apartment`).
    pub id: String,
    /// Code in reference numbers (`APARTMENT` → ZJ-APARTMENT-2026-000123).
    pub code: String,
    /// The form's name.
    pub title: Bilingual,
    /// What the form is for and what to have ready, shown when it starts.
    pub intro: Bilingual,
    /// The policy clause the form rests on.
    pub clause: Option<u8>,
    /// Whether finishing the form files an application (false for the eligibility check).
    pub files: bool,
    /// The language the form is asked in when the user has not chosen one.
    pub lang: Option<Lang>,
    /// Words that, with an intent to apply, start this form from free text.
    pub triggers: Vec<String>,
    /// The step whose answer (a tier item) gives the applicant's tier.
    pub tier_from: Option<String>,
    /// A form offered when this one ends, prefilled from its tier answer.
    pub next: Option<String>,
    /// The questions, in order.
    pub steps: Vec<Step>,
}

/// One question of a form.
#[derive(Debug, Clone)]
pub struct Step {
    /// Key of the answer (`id_card`).
    pub key: String,
    /// What kind of answer it takes.
    pub kind: Kind,
    /// The question.
    pub prompt: Bilingual,
    /// The step's name in summaries and lists.
    label: Bilingual,
    /// Extra explanation, shown on request and after a wrong answer.
    pub help: Option<Bilingual>,
    /// Whether the user may skip it.
    pub optional: bool,
    /// Whether the answer is personal data (consent is asked before the first one).
    pub personal: bool,
    /// Asked only when an earlier answer has one of some values.
    pub when: Option<Condition>,
}

/// A condition on an earlier answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The earlier step.
    pub step: String,
    /// The values that make the condition true (choice values; `yes`/`no`).
    pub any_of: Vec<String>,
}

/// The kinds of answer a step takes.
#[derive(Debug, Clone)]
pub enum Kind {
    /// Free text with length bounds and an optional pattern.
    Text { min: usize, max: usize, pattern: Option<Regex>, hint: Option<Bilingual> },
    /// A person's name (letters of any script), with length bounds.
    Name { min: usize, max: usize },
    /// One option.
    Choice { options: Vec<Choice> },
    /// Several options.
    MultiChoice { options: Vec<Choice>, min: usize },
    /// Yes or no.
    YesNo,
    /// A whole number in a range.
    Integer { min: i64, max: i64 },
    /// A date (or a month) within bounds relative to the day asked.
    Date { earliest: Option<DateBound>, latest: Option<DateBound>, working_days_only: bool, month_only: bool },
    /// A mainland China mobile number.
    Phone,
    /// A PRC resident identity card number.
    IdCard,
    /// A passport number.
    Passport,
    /// An e-mail address.
    Email,
    /// A photo or document.
    File { accept: Vec<FileType>, max_bytes: u64 },
}

/// An option of a choice.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// Stored value.
    pub value: String,
    /// What the user sees.
    pub label: Bilingual,
}

/// File types a file step accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileType {
    /// JPEG, PNG, WebP, HEIC photos.
    Image,
    /// PDF documents.
    Pdf,
}

impl FileType {
    /// Whether a MIME type is of this file type.
    pub fn accepts(self, mime: &str) -> bool {
        match self {
            Self::Image => matches!(mime, "image/jpeg" | "image/png" | "image/webp" | "image/heif" | "image/heic"),
            Self::Pdf => mime == "application/pdf",
        }
    }
}

/// A date bound: fixed, or relative to the day the question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBound {
    /// A fixed date.
    Fixed(NaiveDate),
    /// Days from today (negative: in the past).
    Days(i64),
    /// Months from today.
    Months(i32),
    /// Years from today.
    Years(i32),
}

impl DateBound {
    /// Parses `today`, `+7d`, `-100y`, `+12m` or `2020-01-01`.
    fn parse(text: &str) -> Option<Self> {
        if text == "today" {
            return Some(Self::Days(0));
        }
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some(Self::Fixed(date));
        }
        let unit = text.chars().last()?;
        let number = &text[..text.len() - unit.len_utf8()];
        let number: i64 = number.strip_prefix('+').unwrap_or(number).parse().ok()?;
        match unit {
            'd' => Some(Self::Days(number)),
            'm' => i32::try_from(number).ok().map(Self::Months),
            'y' => i32::try_from(number).ok().map(Self::Years),
            _ => None,
        }
    }

    /// The date the bound means on `today` (a month later than Jan 31 is the end of February).
    pub fn resolve(self, today: NaiveDate) -> NaiveDate {
        let shift_months = |months: i32| {
            let magnitude = Months::new(months.unsigned_abs());
            if months >= 0 { today.checked_add_months(magnitude) } else { today.checked_sub_months(magnitude) }
        };
        let resolved = match self {
            Self::Fixed(date) => Some(date),
            Self::Days(days) => TimeDelta::try_days(days).and_then(|delta| today.checked_add_signed(delta)),
            Self::Months(months) => shift_months(months),
            Self::Years(years) => shift_months(years.saturating_mul(12)),
        };
        let overflow = match self {
            Self::Days(n) if n > 0 => NaiveDate::MAX,
            Self::Months(n) | Self::Years(n) if n > 0 => NaiveDate::MAX,
            _ => NaiveDate::MIN,
        };
        resolved.unwrap_or(overflow)
    }
}

impl Flow {
    /// The step with the given key.
    pub fn step(&self, key: &str) -> Option<&Step> {
        self.steps.iter().find(|step| step.key == key)
    }

    /// The position of the step with the given key.
    pub fn position(&self, key: &str) -> Option<usize> {
        self.steps.iter().position(|step| step.key == key)
    }
}

impl Step {
    /// The step's name in summaries and lists: its `label`, or else the first line of its prompt
    /// without the colon.
    pub fn label(&self) -> Bilingual {
        self.label.clone()
    }

    /// The options of a choice or multi-choice step.
    pub fn options(&self) -> &[Choice] {
        match &self.kind {
            Kind::Choice { options } | Kind::MultiChoice { options, .. } => options,
            _ => &[],
        }
    }

    /// Whether the step applies given the answers so far: it has no condition, or the earlier
    /// answer it names is one of the values it lists.
    pub fn applies(&self, answers: &BTreeMap<String, Value>) -> bool {
        self.when.as_ref().is_none_or(|condition| {
            answers.get(&condition.step).is_some_and(|value| value.matches_any(&condition.any_of))
        })
    }

    /// Whether the options are the tier table's items (plus "other" or "none").
    pub(super) fn is_tier_choice(&self, tiers: &TierTable) -> bool {
        let items: HashSet<&str> = tiers.tiers.iter().flat_map(|t| &t.items).map(|i| i.id.as_str()).collect();
        !self.options().is_empty()
            && self.options().iter().all(|o| o.value == OTHER || o.value == NONE || items.contains(o.value.as_str()))
    }
}
