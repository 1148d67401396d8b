//! Reading a flow file: serde into raw structs, then every reference, regex, bound and
//! translation checked into a [`Flow`].

use std::collections::{BTreeMap, HashSet};

use regex::Regex;
use serde::Deserialize;

use super::{Choice, Condition, DateBound, FileType, Flow, Kind, MAX_FILE_BYTES, MAX_FLOW_ID, MAX_TEXT_CHARS, Step};
use crate::dialog::DialogError;
use crate::lang::{Bilingual, Lang};
use crate::policy::TierTable;

/// A text in `zh` and `en` as written in TOML; checked into a [`Bilingual`].
type RawText = BTreeMap<String, String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlow {
    id: String,
    code: String,
    title: RawText,
    intro: RawText,
    clause: Option<u8>,
    #[serde(default = "files_by_default")]
    files: bool,
    lang: Option<String>,
    #[serde(default)]
    triggers: Vec<String>,
    tier_from: Option<String>,
    next: Option<String>,
    #[serde(rename = "step")]
    steps: Vec<RawStep>,
}

fn files_by_default() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    key: String,
    kind: String,
    prompt: RawText,
    label: Option<RawText>,
    help: Option<RawText>,
    #[serde(default)]
    optional: bool,
    personal: Option<bool>,
    when: Option<RawCondition>,
    min: Option<i64>,
    max: Option<i64>,
    pattern: Option<String>,
    pattern_hint: Option<RawText>,
    options: Option<Vec<RawChoice>>,
    options_from: Option<String>,
    earliest: Option<String>,
    latest: Option<String>,
    #[serde(default)]
    working_days_only: bool,
    accept: Option<Vec<FileType>>,
    max_mb: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    value: String,
    zh: Option<String>,
    en: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    step: String,
    any_of: Vec<String>,
}

/// Reports problems in one file, naming the step.
struct Checker<'a> {
    file: &'a str,
    step: Option<String>,
}

impl Checker<'_> {
    /// Checks a flow id: lowercase letters, digits and dashes, short enough that button data
    /// naming it and a tier item (`start:<id>:<item>`) fits Telegram's 64 bytes.
    fn flow_id(&self, what: &str, id: &str) -> Result<(), DialogError> {
        let valid = !id.is_empty()
            && id.len() <= MAX_FLOW_ID
            && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if valid {
            Ok(())
        } else {
            Err(self.error(format!("{what} {id:?} must be 1 to {MAX_FLOW_ID} lowercase letters, digits and dashes")))
        }
    }

    fn error(&self, message: impl Into<String>) -> DialogError {
        DialogError::Flow { file: self.file.to_owned(), step: self.step.clone(), message: message.into() }
    }

    fn text(&self, what: &str, raw: &RawText) -> Result<Bilingual, DialogError> {
        if let Some(extra) = raw.keys().find(|key| !matches!(key.as_str(), "zh" | "en")) {
            return Err(self
                .error(format!("{what} has an unknown language {extra:?} (write zh and en; Traditional is derived)")));
        }
        let get = |lang: &str, name: &str| match raw.get(lang).map(|t| t.trim()) {
            Some(text) if !text.is_empty() => Ok(text.to_owned()),
            _ => Err(self.error(format!("{what} has no {name} ({lang}) text"))),
        };
        Ok(Bilingual::new(get("zh", "Chinese")?, get("en", "English")?))
    }

    fn unexpected(&self, kind: &str, present: &[(&str, bool)]) -> Result<(), DialogError> {
        match present.iter().find(|(_, is_present)| *is_present) {
            Some((name, _)) => Err(self.error(format!("`{name}` does not apply to a {kind} step"))),
            None => Ok(()),
        }
    }
}

impl Flow {
    /// Reads and validates one flow file. `tiers` provides the options of steps with
    /// `options_from = "tiers"`.
    pub fn parse(file: &str, text: &str, tiers: &TierTable) -> Result<Self, DialogError> {
        let mut checker = Checker { file, step: None };
        let raw: RawFlow = toml::from_str(text).map_err(|err| checker.error(err.to_string().trim_end().to_owned()))?;
        checker.flow_id("id", &raw.id)?;
        if let Some(next) = &raw.next {
            checker.flow_id("next", next)?;
        }
        if raw.code.is_empty() || !raw.code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
            return Err(checker.error(format!("code {:?} must be uppercase letters and digits", raw.code)));
        }
        let lang = match raw.lang.as_deref() {
            None => None,
            Some(code) => Some(Lang::from_code(code).ok_or_else(|| checker.error(format!("unknown lang {code:?}")))?),
        };
        let title = checker.text("title", &raw.title)?;
        let intro = checker.text("intro", &raw.intro)?;
        if raw.steps.is_empty() {
            return Err(checker.error("has no [[step]]"));
        }
        let mut steps: Vec<Step> = Vec::with_capacity(raw.steps.len());
        for raw_step in raw.steps {
            checker.step = Some(raw_step.key.clone());
            if steps.iter().any(|step| step.key == raw_step.key) {
                return Err(checker.error("the key is used by an earlier step"));
            }
            steps.push(parse_step(&checker, raw_step, &steps, tiers)?);
        }
        checker.step = None;
        if let Some(key) = &raw.tier_from {
            let from_tiers = steps.iter().find(|step| &step.key == key).is_some_and(|step| step.is_tier_choice(tiers));
            if !from_tiers {
                return Err(checker.error(format!("tier_from {key:?} is not a step with options_from = \"tiers\"")));
            }
        }
        Ok(Self {
            id: raw.id,
            code: raw.code,
            title,
            intro,
            clause: raw.clause,
            files: raw.files,
            lang,
            triggers: raw.triggers.iter().map(|t| t.to_lowercase()).collect(),
            tier_from: raw.tier_from,
            next: raw.next,
            steps,
        })
    }
}

fn parse_step(checker: &Checker<'_>, raw: RawStep, earlier: &[Step], tiers: &TierTable) -> Result<Step, DialogError> {
    if raw.key.is_empty() || !raw.key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(checker.error("key must be lowercase letters, digits and underscores"));
    }
    let prompt = checker.text("prompt", &raw.prompt)?;
    let label = match &raw.label {
        Some(label) => checker.text("label", label)?,
        None => Bilingual::new(shorten(&prompt.zh), shorten(&prompt.en)),
    };
    let help = raw.help.as_ref().map(|help| checker.text("help", help)).transpose()?;
    let kind = parse_kind(checker, &raw, tiers)?;
    let when = raw.when.map(|condition| parse_condition(checker, condition, earlier)).transpose()?;
    let personal = raw.personal.unwrap_or(matches!(kind, Kind::Phone | Kind::IdCard | Kind::Passport | Kind::Email));
    Ok(Step { key: raw.key, kind, prompt, label, help, optional: raw.optional, personal, when })
}

/// A prompt's first line without an example and the closing colon or question mark, cut at 40
/// characters (flows give a `label` where that reads badly).
fn shorten(prompt: &str) -> String {
    const MAX_CHARS: usize = 40;
    let line = prompt.lines().next().unwrap_or(prompt);
    let line = ["（如", "(e.g.", "，如", ", e.g."]
        .iter()
        .fold(line, |line, example| line.split(example).next().unwrap_or(line));
    // An example cut out of a parenthesis leaves it open: drop the rest of it.
    let line = match (line.rfind(['（', '(']), line.rfind(['）', ')'])) {
        (Some(open), close) if close.is_none_or(|close| close < open) => &line[..open],
        _ => line,
    };
    let line = line.trim_end_matches([':', '：', '?', '？', ' ']);
    match line.char_indices().nth(MAX_CHARS - 1) {
        Some((cut, _)) if line.chars().count() > MAX_CHARS => format!("{}…", &line[..cut]),
        _ => line.to_owned(),
    }
}

fn parse_kind(checker: &Checker<'_>, raw: &RawStep, tiers: &TierTable) -> Result<Kind, DialogError> {
    let has_bounds = raw.min.is_some() || raw.max.is_some();
    let has_options = raw.options.is_some() || raw.options_from.is_some();
    let has_dates = raw.earliest.is_some() || raw.latest.is_some() || raw.working_days_only;
    let has_file = raw.accept.is_some() || raw.max_mb.is_some();
    let has_pattern = raw.pattern.is_some() || raw.pattern_hint.is_some();
    let kind = raw.kind.as_str();
    let none_but = |allowed: &[&str]| {
        let present = [
            ("min/max", has_bounds),
            ("options", has_options),
            ("earliest/latest/working_days_only", has_dates),
            ("accept/max_mb", has_file),
            ("pattern", has_pattern),
        ];
        let disallowed: Vec<(&str, bool)> = present.into_iter().filter(|(name, _)| !allowed.contains(name)).collect();
        checker.unexpected(kind, &disallowed)
    };
    match kind {
        "name" => {
            none_but(&["min/max"])?;
            let (min, max) = text_bounds(checker, raw)?;
            Ok(Kind::Name { min, max })
        }
        "text" => {
            none_but(&["min/max", "pattern"])?;
            let (min, max) = text_bounds(checker, raw)?;
            let pattern = raw
                .pattern
                .as_deref()
                .map(|p| Regex::new(p).map_err(|err| checker.error(format!("bad pattern: {err}"))))
                .transpose()?;
            let hint = raw.pattern_hint.as_ref().map(|hint| checker.text("pattern_hint", hint)).transpose()?;
            if pattern.is_some() != hint.is_some() {
                return Err(checker.error("pattern and pattern_hint go together (the hint tells the user the format)"));
            }
            Ok(Kind::Text { min, max, pattern, hint })
        }
        "choice" | "multi_choice" => {
            none_but(&["options", "min/max"])?;
            let options = parse_options(checker, raw, tiers)?;
            if kind == "choice" {
                none_but(&["options"])?;
                return Ok(Kind::Choice { options });
            }
            let min = bound(checker, raw.min, 1, 0, options.len() as i64)? as usize;
            if raw.max.is_some() {
                return Err(checker.error("multi_choice takes `min` only"));
            }
            Ok(Kind::MultiChoice { options, min })
        }
        "integer" => {
            none_but(&["min/max"])?;
            let min = raw.min.ok_or_else(|| checker.error("integer needs `min`"))?;
            let max = raw.max.ok_or_else(|| checker.error("integer needs `max`"))?;
            if min > max {
                return Err(checker.error(format!("min {min} is greater than max {max}")));
            }
            Ok(Kind::Integer { min, max })
        }
        "date" | "month" => {
            none_but(&["earliest/latest/working_days_only"])?;
            let date_bound = |text: &Option<String>| {
                text.as_deref()
                    .map(|t| DateBound::parse(t).ok_or_else(|| checker.error(format!("bad date bound {t:?} (use today, +7d, -100y, +12m or 2026-01-31)"))))
                    .transpose()
            };
            Ok(Kind::Date {
                earliest: date_bound(&raw.earliest)?,
                latest: date_bound(&raw.latest)?,
                working_days_only: raw.working_days_only,
                month_only: kind == "month",
            })
        }
        "file" => {
            none_but(&["accept/max_mb"])?;
            let accept = raw.accept.clone().unwrap_or_else(|| vec![FileType::Image, FileType::Pdf]);
            if accept.is_empty() {
                return Err(checker.error("accept lists no file type"));
            }
            let max_bytes = raw.max_mb.map_or(MAX_FILE_BYTES, |mb| mb.saturating_mul(1024 * 1024));
            if max_bytes == 0 || max_bytes > MAX_FILE_BYTES {
                return Err(checker.error(format!("max_mb must be between 1 and {}", MAX_FILE_BYTES / 1024 / 1024)));
            }
            Ok(Kind::File { accept, max_bytes })
        }
        "yes_no" | "phone" | "id_card" | "passport" | "email" => {
            none_but(&[])?;
            Ok(match kind {
                "yes_no" => Kind::YesNo,
                "phone" => Kind::Phone,
                "id_card" => Kind::IdCard,
                "passport" => Kind::Passport,
                _ => Kind::Email,
            })
        }
        other => Err(checker.error(format!(
            "unknown kind {other:?} (text, name, choice, multi_choice, yes_no, integer, date, month, phone, id_card, passport, email, file)"
        ))),
    }
}

/// The length bounds of a text or name step, in characters.
fn text_bounds(checker: &Checker<'_>, raw: &RawStep) -> Result<(usize, usize), DialogError> {
    let min = bound(checker, raw.min, 1, 0, MAX_TEXT_CHARS as i64)? as usize;
    let max = bound(checker, raw.max, MAX_TEXT_CHARS as i64, 1, MAX_TEXT_CHARS as i64)? as usize;
    if min > max {
        return Err(checker.error(format!("min {min} is greater than max {max}")));
    }
    Ok((min, max))
}

fn bound(checker: &Checker<'_>, value: Option<i64>, default: i64, low: i64, high: i64) -> Result<i64, DialogError> {
    let value = value.unwrap_or(default);
    if (low..=high).contains(&value) {
        Ok(value)
    } else {
        Err(checker.error(format!("{value} is outside {low}..={high}")))
    }
}

fn parse_options(checker: &Checker<'_>, raw: &RawStep, tiers: &TierTable) -> Result<Vec<Choice>, DialogError> {
    let mut options = match raw.options_from.as_deref() {
        None => Vec::new(),
        Some("tiers") => tiers
            .tiers
            .iter()
            .flat_map(|tier| &tier.items)
            .map(|item| Choice { value: item.id.clone(), label: Bilingual::new(item.zh.clone(), item.en.clone()) })
            .collect(),
        Some(other) => return Err(checker.error(format!("unknown options_from {other:?} (only \"tiers\")"))),
    };
    for option in raw.options.iter().flatten() {
        let mut text = RawText::new();
        text.extend(option.zh.clone().map(|zh| ("zh".to_owned(), zh)));
        text.extend(option.en.clone().map(|en| ("en".to_owned(), en)));
        let label = checker.text(&format!("option {:?}", option.value), &text)?;
        options.push(Choice { value: option.value.clone(), label });
    }
    if options.len() < 2 {
        return Err(checker.error("a choice needs at least two options"));
    }
    let mut seen = HashSet::new();
    if let Some(duplicate) = options.iter().find(|option| !seen.insert(option.value.as_str())) {
        return Err(checker.error(format!("option {:?} appears twice", duplicate.value)));
    }
    Ok(options)
}

fn parse_condition(checker: &Checker<'_>, raw: RawCondition, earlier: &[Step]) -> Result<Condition, DialogError> {
    let step = earlier
        .iter()
        .find(|step| step.key == raw.step)
        .ok_or_else(|| checker.error(format!("`when` refers to {:?}, which is not an earlier step", raw.step)))?;
    let allowed: Vec<&str> = match &step.kind {
        Kind::YesNo => vec!["yes", "no"],
        Kind::Choice { options } | Kind::MultiChoice { options, .. } => {
            options.iter().map(|o| o.value.as_str()).collect()
        }
        _ => return Err(checker.error(format!("`when` needs a choice or yes_no step, and {:?} is not one", raw.step))),
    };
    if raw.any_of.is_empty() {
        return Err(checker.error("`when` lists no value in any_of"));
    }
    if let Some(unknown) = raw.any_of.iter().find(|value| !allowed.contains(&value.as_str())) {
        return Err(checker.error(format!(
            "`when` value {unknown:?} is not an answer of {:?} ({})",
            raw.step,
            allowed.join(", ")
        )));
    }
    Ok(Condition { step: raw.step, any_of: raw.any_of })
}
