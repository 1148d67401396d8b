//! Reading an answer: a file, text or a pressed button checked against the step's kind, and
//! options chosen by number, label or value.

use super::{Engine, Input, read_yes_no, says_none};
use crate::dialog::fields::{
    DateRules, Email, FullName, IdCardNumber, PassportNumber, PhoneNumber, Reason, TextError, parse_date,
    parse_integer, parse_text,
};
use crate::dialog::flow::{Choice, Kind, MAX_TEXT_CHARS, NONE, Step};
use crate::dialog::value::Value;
use crate::lang::Bilingual;
use crate::messages::{arg, keys};

impl Engine<'_> {
    pub(super) fn parse(&self, step: &Step, input: &Input, ticked: &[String]) -> Result<Value, Bilingual> {
        let today = self.ctx.today;
        let text = match (input, &step.kind) {
            (Input::File(file), Kind::File { accept, max_bytes }) => {
                if !accept.iter().any(|kind| kind.accepts(&file.mime)) {
                    return Err(self.wrong_file_type(accept));
                }
                if file.size > *max_bytes {
                    return Err(self.phrase(keys::FILE_TOO_LARGE, &[arg("mb", (*max_bytes / 1024 / 1024).to_string())]));
                }
                return Ok(Value::File(file.clone()));
            }
            (Input::File(_), _) => return Err(self.phrase(keys::FILE_NOT_EXPECTED, &[])),
            (_, Kind::File { .. }) => return Err(self.phrase(keys::FILE_EXPECTED, &[])),
            (Input::Text(text), _) => text.as_str(),
            (Input::Button(data), _) => data.strip_prefix("choose:").unwrap_or(data),
        };
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(self.phrase(keys::ANSWER_TOO_LONG, &[arg("max", MAX_TEXT_CHARS)]));
        }
        match &step.kind {
            Kind::Text { min, max, pattern, hint } => {
                parse_text(text, *min, *max, pattern.as_ref()).map(Value::Text).map_err(|err| match (hint, err) {
                    (Some(hint), TextError::NotMatching) => hint.clone(),
                    (_, err) => err.reason(),
                })
            }
            Kind::Name { min, max } => {
                FullName::parse(text, *min, *max).map(|name| Value::Text(name.into_string())).map_err(|e| e.reason())
            }
            Kind::Choice { options } => self.choose(options, text).map(Value::Choice),
            Kind::MultiChoice { options, min } => {
                let chosen = if text == "done" && !ticked.is_empty() {
                    ticked.to_vec()
                } else {
                    self.choose_many(options, text)?
                };
                if chosen.len() < *min {
                    return Err(self.phrase(keys::CHOOSE_AT_LEAST, &[arg("min", *min)]));
                }
                if chosen.len() > 1 && chosen.iter().any(|value| value == NONE) {
                    return Err(self.phrase(keys::NONE_WITH_OTHERS, &[]));
                }
                Ok(Value::Choices(chosen))
            }
            Kind::YesNo => read_yes_no(text).map(Value::YesNo).ok_or_else(|| self.phrase(keys::YES_OR_NO, &[])),
            Kind::Integer { min, max } => parse_integer(text, *min, *max).map(Value::Integer).map_err(|e| e.reason()),
            Kind::Date { earliest, latest, working_days_only, month_only } => {
                let rules = DateRules {
                    earliest: earliest.map(|bound| bound.resolve(today)),
                    latest: latest.map(|bound| bound.resolve(today)),
                    working_days: working_days_only.then_some(self.ctx.holidays),
                    month_only: *month_only,
                };
                parse_date(text, &rules, today).map(Value::Date).map_err(|e| e.reason())
            }
            Kind::Phone => PhoneNumber::parse(text).map(Value::Phone).map_err(|e| e.reason()),
            Kind::IdCard => IdCardNumber::parse(text, today).map(Value::IdCard).map_err(|e| e.reason()),
            Kind::Passport => PassportNumber::parse(text).map(Value::Passport).map_err(|e| e.reason()),
            Kind::Email => Email::parse(text).map(Value::Email).map_err(|e| e.reason()),
            Kind::File { .. } => Err(self.phrase(keys::FILE_EXPECTED, &[])),
        }
    }

    /// The option the user picked: by number, label (either language, either script) or value.
    pub(super) fn choose(&self, options: &[Choice], text: &str) -> Result<String, Bilingual> {
        self.find_option(options, text)
            .map(|option| option.value.clone())
            .ok_or_else(|| self.phrase(keys::PICK_AN_OPTION, &[arg("count", options.len())]))
    }

    /// Several options, separated by spaces, commas or 、.
    pub(super) fn choose_many(&self, options: &[Choice], text: &str) -> Result<Vec<String>, Bilingual> {
        if let Some(option) = self.find_option(options, text) {
            return Ok(vec![option.value.clone()]);
        }
        let mut chosen: Vec<String> = Vec::new();
        for part in text
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
            .filter(|p| !p.is_empty())
        {
            let option = self
                .find_option(options, part)
                .ok_or_else(|| self.phrase(keys::PICK_OPTIONS, &[arg("count", options.len())]))?;
            if !chosen.contains(&option.value) {
                chosen.push(option.value.clone());
            }
        }
        if chosen.is_empty() {
            Err(self.phrase(keys::PICK_OPTIONS, &[arg("count", options.len())]))
        } else {
            Ok(chosen)
        }
    }

    /// The option `text` names: by number, value or label — or the "none of these" option for
    /// 无 / none.
    pub(super) fn find_option<'o>(&self, options: &'o [Choice], text: &str) -> Option<&'o Choice> {
        if says_none(text)
            && let Some(none) = options.iter().find(|option| option.value == NONE)
        {
            return Some(none);
        }
        let wanted = self.ctx.scripts.simplify(&crate::text::fold_width(text.trim())).to_lowercase();
        if let Ok(number) = wanted.parse::<usize>() {
            return number.checked_sub(1).and_then(|index| options.get(index));
        }
        options.iter().find(|option| {
            [option.value.as_str(), option.label.zh.as_str(), option.label.en.as_str()]
                .iter()
                .any(|name| name.to_lowercase() == wanted)
        })
    }
}
