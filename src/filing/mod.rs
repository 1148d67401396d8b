//! A filed application as the rest of the bot sees it: what it holds ([`Filing`]), where it is in
//! review ([`Status`]), and its answers as the lines staff and applicants read.

mod status;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use status::{Status, UnknownStatus};

use crate::dialog::Flow;
use crate::dialog::value::Value;
use crate::lang::{Lang, Scripts};

/// The keys of the steps that ask the applicant's own name (`full_name`: in Latin letters, on the
/// visa form).
pub const NAME_KEYS: [&str; 2] = ["name", "full_name"];

/// What a filed application holds: the answers, the tier they give, the applicant's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filing {
    /// The answers of the steps that applied.
    pub answers: BTreeMap<String, Value>,
    /// The talent tier the answers give, for forms with `tier_from`.
    #[serde(default)]
    pub tier: Option<String>,
    /// The language the applicant used, for messages about the application.
    pub lang: Lang,
}

impl Filing {
    /// The answers as (label, value) pairs in the form's order, in `lang`; personal identifiers
    /// masked when `masked`. Without the form (removed since), the raw keys and values.
    pub fn lines(&self, flow: Option<&Flow>, lang: Lang, scripts: &Scripts, masked: bool) -> Vec<(String, String)> {
        let Some(flow) = flow else {
            return self.answers.iter().map(|(key, value)| (key.clone(), format!("{value:?}"))).collect();
        };
        flow.steps
            .iter()
            .filter_map(|step| {
                let value: &Value = self.answers.get(&step.key)?;
                let shown =
                    if masked { value.display_masked(step, lang, scripts) } else { value.display(step, lang, scripts) };
                Some((step.label().render(lang, scripts), shown))
            })
            .collect()
    }

    /// The first `count` answers (the applicant's name first), masked, in Chinese: who filed it,
    /// for the lines of a list.
    pub fn who(&self, flow: Option<&Flow>, scripts: &Scripts, count: usize) -> String {
        let values: Vec<String> =
            self.lines(flow, Lang::Zh, scripts, true).into_iter().take(count).map(|(_, value)| value).collect();
        values.join(" ")
    }

    /// The applicant's name: the answer to the first name step of [`NAME_KEYS`] the form has.
    pub fn applicant_name(&self) -> Option<&str> {
        NAME_KEYS.iter().find_map(|key| match self.answers.get(*key) {
            Some(Value::Text(name)) => Some(name.as_str()),
            _ => None,
        })
    }

    /// Only the answers to `fields` (what an applicant corrected).
    pub fn only(&self, fields: &[String]) -> Filing {
        let answers = self.answers.iter().filter(|(key, _)| fields.contains(key));
        Filing { answers: answers.map(|(key, value)| (key.clone(), value.clone())).collect(), ..self.clone() }
    }
}
