//! The catalog of the bot's own words, read from `messages.toml` in the corpus: every message in
//! Simplified Chinese and English (Traditional Chinese is derived when rendered), with `{name}`
//! placeholders the bot fills. Checked at load against the keys the code uses ([`ALL`]): a
//! missing message or language, an unknown message, or a placeholder the code does not fill is
//! an error that names the message.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use super::keys::{ALL, Key};
use crate::lang::Bilingual;

/// The file of the catalog in the corpus.
pub const FILE: &str = "messages.toml";

/// The corpus facts every message may use: `{title}` (of the policy document), `{topics}`,
/// `{contact}`, `{example}` (the first example question) and `{examples}` (all of them, one per
/// line).
#[derive(Debug, Clone, Copy)]
pub struct City<'a> {
    /// The policy document's title (the Chinese one and its translation's).
    pub title: (&'a str, &'a str),
    /// What the bot can help with.
    pub topics: &'a Bilingual,
    /// How citizens reach a person.
    pub contact: &'a Bilingual,
    /// Example questions in each language.
    pub examples: (&'a [String], &'a [String]),
}

/// A value for a placeholder.
#[derive(Debug, Clone)]
pub enum Arg<'a> {
    /// The same in every language (a reference number, a count).
    Same(Cow<'a, str>),
    /// Per language (a form's title), Simplified Chinese and English.
    Each(Cow<'a, str>, Cow<'a, str>),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(value: &'a str) -> Self {
        Arg::Same(Cow::Borrowed(value))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(value: &'a String) -> Self {
        Arg::Same(Cow::Borrowed(value))
    }
}

impl From<String> for Arg<'_> {
    fn from(value: String) -> Self {
        Arg::Same(Cow::Owned(value))
    }
}

impl From<usize> for Arg<'_> {
    fn from(value: usize) -> Self {
        Arg::Same(Cow::Owned(value.to_string()))
    }
}

impl<'a> From<&'a Bilingual> for Arg<'a> {
    fn from(value: &'a Bilingual) -> Self {
        Arg::Each(Cow::Borrowed(&value.zh), Cow::Borrowed(&value.en))
    }
}

impl From<Bilingual> for Arg<'_> {
    fn from(value: Bilingual) -> Self {
        Arg::Each(Cow::Owned(value.zh), Cow::Owned(value.en))
    }
}

impl Arg<'_> {
    fn zh(&self) -> &str {
        match self {
            Arg::Same(value) | Arg::Each(value, _) => value,
        }
    }

    fn en(&self) -> &str {
        match self {
            Arg::Same(value) | Arg::Each(_, value) => value,
        }
    }
}

/// A placeholder named `name` filled with `value`.
pub fn arg<'a>(name: &'static str, value: impl Into<Arg<'a>>) -> (&'static str, Arg<'a>) {
    (name, value.into())
}

/// A message as written, cut at its placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Slot(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Template(Vec<Piece>);

impl Template {
    fn parse(text: &str) -> Self {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let name_end = after.find(|c: char| !(c.is_ascii_lowercase() || c == '_')).unwrap_or(after.len());
            if name_end > 0 && after[name_end..].starts_with('}') {
                pieces.push(Piece::Text(rest[..open].to_owned()));
                pieces.push(Piece::Slot(after[..name_end].to_owned()));
                rest = &after[name_end + 1..];
            } else {
                pieces.push(Piece::Text(rest[..=open].to_owned()));
                rest = after;
            }
        }
        pieces.push(Piece::Text(rest.to_owned()));
        pieces.retain(|piece| piece != &Piece::Text(String::new()));
        Self(pieces)
    }

    fn slots(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|piece| match piece {
            Piece::Slot(name) => Some(name.as_str()),
            Piece::Text(_) => None,
        })
    }

    fn fill<'a>(&self, value: impl Fn(&str) -> Option<&'a str>) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Slot(name) => out.push_str(value(name).unwrap_or_default()),
            }
        }
        out
    }
}

/// The bot's words.
#[derive(Debug, Clone)]
pub struct Messages {
    /// By key: the Simplified Chinese and English templates.
    templates: HashMap<&'static str, (Template, Template)>,
    /// The corpus facts, by placeholder name.
    city: Vec<(&'static str, Bilingual)>,
}

impl Messages {
    /// Reads the catalog in `text` (the contents of [`FILE`]); every problem found is listed.
    pub fn parse(text: &str, city: City<'_>) -> Result<Self, MessagesError> {
        let table: toml::Table = toml::from_str(text).map_err(|err| MessagesError(vec![err.to_string()]))?;
        let mut found = BTreeMap::new();
        let mut problems = Vec::new();
        collect(&table, "", &mut found, &mut problems);
        let city = city_facts(city);
        let mut templates = HashMap::new();
        for key in ALL {
            let Some((zh, en)) = found.remove(key.name) else {
                problems.push(format!("[{}] is missing", key.name));
                continue;
            };
            let (zh, en) = (Template::parse(&zh), Template::parse(&en));
            for (lang, template) in [("zh", &zh), ("en", &en)] {
                for slot in template.slots() {
                    if !key.slots.contains(&slot) && !city.iter().any(|(name, _)| *name == slot) {
                        problems.push(format!(
                            "[{}] {lang} uses {{{slot}}}, which is not filled in {}",
                            key.name,
                            given(key)
                        ));
                    }
                }
            }
            templates.insert(key.name, (zh, en));
        }
        problems.extend(found.keys().map(|name| format!("[{name}] is not a message the bot says")));
        match problems.is_empty() {
            true => Ok(Self { templates, city }),
            false => Err(MessagesError(problems)),
        }
    }

    /// The message `key` in both languages, its placeholders filled from `args` (and the corpus
    /// facts).
    pub fn get(&self, key: Key, args: &[(&'static str, Arg<'_>)]) -> Bilingual {
        debug_assert!(
            key.slots.iter().all(|slot| args.iter().any(|(name, _)| name == slot))
                && args.iter().all(|(name, _)| key.slots.contains(name)),
            "{} fills {:?}, not {:?}",
            key.name,
            key.slots,
            args.iter().map(|(name, _)| *name).collect::<Vec<_>>()
        );
        let (zh, en) = self.templates.get(key.name).expect("every key is loaded or the catalog is refused");
        let arg = |name: &str| args.iter().find(|(slot, _)| *slot == name).map(|(_, value)| value);
        let fact = |name: &str| self.city.iter().find(|(fact, _)| *fact == name).map(|(_, value)| value);
        Bilingual::new(
            zh.fill(|name| arg(name).map(Arg::zh).or_else(|| fact(name).map(|fact| fact.zh.as_str()))),
            en.fill(|name| arg(name).map(Arg::en).or_else(|| fact(name).map(|fact| fact.en.as_str()))),
        )
    }
}

/// The messages of `table` (a table with `zh` and `en` strings), under `prefix`; a message may
/// hold more messages (`[command.ask]` and `[command.ask.argument]`).
fn collect(
    table: &toml::Table,
    prefix: &str,
    found: &mut BTreeMap<String, (String, String)>,
    problems: &mut Vec<String>,
) {
    let name = prefix.trim_end_matches('.');
    let text = |lang: &str| table.get(lang).and_then(toml::Value::as_str);
    match (text("zh"), text("en")) {
        (Some(zh), Some(en)) => {
            found.insert(name.to_owned(), (zh.to_owned(), en.to_owned()));
        }
        (Some(_), None) | (None, Some(_)) => problems.push(format!("[{name}] needs both zh and en")),
        (None, None) => {}
    }
    for (field, value) in table {
        match value {
            toml::Value::Table(inner) => collect(inner, &format!("{prefix}{field}."), found, problems),
            toml::Value::String(_) if field == "zh" || field == "en" => {}
            _ => problems.push(format!("[{name}] has {field:?}, which is neither zh, en nor a message")),
        }
    }
}

fn city_facts(city: City<'_>) -> Vec<(&'static str, Bilingual)> {
    let list = |examples: &[String]| examples.iter().map(|example| format!("\n· {example}")).collect::<String>();
    let first = |examples: &[String]| examples.first().cloned().unwrap_or_default();
    vec![
        ("title", Bilingual::new(city.title.0, city.title.1)),
        ("topics", city.topics.clone()),
        ("contact", city.contact.clone()),
        ("example", Bilingual::new(first(city.examples.0), first(city.examples.1))),
        ("examples", Bilingual::new(list(city.examples.0), list(city.examples.1))),
    ]
}

fn given(key: &Key) -> String {
    match key.slots {
        [] => "this message".to_owned(),
        slots => format!(
            "this message (it gets {})",
            slots.iter().map(|slot| format!("{{{slot}}}")).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// What is wrong with a catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.join("\n  "))]
pub struct MessagesError(pub Vec<String>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::keys;

    fn city() -> (Bilingual, Bilingual, Vec<String>, Vec<String>) {
        let topics = Bilingual::new("落户", "hukou");
        let contact = Bilingual::new("人社局", "the bureau");
        (topics, contact, vec!["落户吗？".to_owned(), "公寓？".to_owned()], vec!["Hukou?".to_owned()])
    }

    fn parse(text: &str) -> Result<Messages, MessagesError> {
        let (topics, contact, zh, en) = city();
        Messages::parse(
            text,
            City { title: ("意见", "Opinions"), topics: &topics, contact: &contact, examples: (&zh, &en) },
        )
    }

    /// The shipped catalog with `edit` applied.
    fn shipped(edit: impl Fn(String) -> String) -> Result<Messages, MessagesError> {
        parse(&edit(std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/", "messages.toml")).unwrap()))
    }

    #[test]
    fn placeholders_are_filled_in_each_language_with_the_corpus_facts_beside_them() {
        let messages = shipped(|text| text).unwrap();
        let filed =
            messages.get(keys::FILED, &[arg("reference", "ZJ-1"), arg("title", Bilingual::new("公寓", "Flat"))]);
        assert!(filed.zh.starts_with("✅ 已提交“公寓”，申请编号：ZJ-1\n"), "{}", filed.zh);
        assert!(filed.en.starts_with("✅ Your \"Flat\" was filed. Reference: ZJ-1\n"), "{}", filed.en);
        let internal = messages.get(keys::INTERNAL, &[]);
        assert!(
            internal.zh.ends_with("请联系人社局。") && internal.en.ends_with("contact the bureau."),
            "{internal:?}"
        );
        let welcome = messages.get(keys::WELCOME, &[]);
        assert!(welcome.zh.contains("《意见》") && welcome.zh.contains("\n· 落户吗？\n· 公寓？"), "{}", welcome.zh);
    }

    #[test]
    fn every_problem_of_a_catalog_is_named() {
        let error = shipped(|text| {
            text.replace("[form.done]", "[form.finished]")
                .replace("zh = \"同意\"\nen = \"I agree\"", "zh = \"同意\"")
                .replace("最多 {max} 字", "最多 {most} 字")
        })
        .unwrap_err();
        assert_eq!(
            error.0,
            [
                "[form.agree] needs both zh and en",
                "[form.too_long] zh uses {most}, which is not filled in this message (it gets {max})",
                "[form.done] is missing",
                "[form.agree] is missing",
                "[form.finished] is not a message the bot says",
            ]
        );
    }

    #[test]
    fn a_message_holds_only_its_languages_and_messages_under_it() {
        let error = parse("[welcome]\nzh = \"你好\"\nen = \"Hello\"\nfr = \"Bonjour\"\n").unwrap_err();
        assert!(error.0.contains(&"[welcome] has \"fr\", which is neither zh, en nor a message".to_owned()), "{error}");
    }

    #[test]
    fn braces_that_are_not_placeholders_stay_as_written() {
        let template = Template::parse("a {b} {C} {} {d");
        assert_eq!(template.slots().collect::<Vec<_>>(), ["b"]);
        assert_eq!(template.fill(|_| Some("x")), "a x {C} {} {d");
    }
}
