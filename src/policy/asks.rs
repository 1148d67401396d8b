//! Kinds of fact a question can ask for that a policy may or may not state (`asks.toml`): an
//! amount of money, a phone number, a place, a date. "人才公寓租金多少" is about a topic the policy
//! covers, but it asks for a fact no passage states, so the honest answer is that the policy does
//! not say. Cues are regular expressions (so that "补贴…多少" is one cue); English ones match
//! whole words.

use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use super::PolicyError;
use super::asking::Markers;
use super::query::FocusWords;

/// A year as people and the policy write it (2024年, "in 2025").
static YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^0-9])((?:19|20)[0-9]{2})(?:[^0-9]|$)").expect("valid regex"));

/// The years `text` names.
pub fn years(text: &str) -> Vec<String> {
    YEAR.captures_iter(text).filter_map(|found| found.get(1)).map(|year| year.as_str().to_owned()).collect()
}

/// Whether `passage` states a fact of other years than the `asked` ones: it names a year, but
/// none of them ("2025年定了多少人次" against "2024年完成…13000人次以上").
pub fn is_about_other_years(asked: &[String], passage: &str) -> bool {
    !asked.is_empty() && YEAR.is_match(passage) && asked.iter().all(|year| !passage.contains(year.as_str()))
}

/// File name of the kinds of fact in the corpus directory.
pub const ASKS_FILE: &str = "asks.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAsks {
    markers: Markers,
    focus: FocusWords,
    follow_up: RawCues,
    ask: Vec<RawAsk>,
    #[serde(default)]
    level: Vec<RawLevel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    name: String,
    #[serde(flatten)]
    cues: RawCues,
    stated: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCues {
    zh: Vec<String>,
    en: Vec<String>,
}

impl RawCues {
    /// One regular expression finding any of the cues: Chinese anywhere, English as whole words
    /// (ASCII word boundaries, which keep matching in a fast automaton where Unicode ones would
    /// not). `what` names the cues in an error.
    fn regex(&self, what: &str) -> Result<Regex, PolicyError> {
        let chinese = self.zh.iter().map(|cue| format!("(?:{cue})"));
        let english = self.en.iter().map(|cue| format!(r"(?-u:\b)(?:{cue})(?-u:\b)"));
        let pattern = chinese.chain(english).collect::<Vec<_>>().join("|");
        Regex::new(&pattern).map_err(|err| regex_error(what, &err))
    }
}

/// A cue or statement pattern that does not compile, named by `what`.
fn regex_error(what: &str, err: &regex::Error) -> PolicyError {
    PolicyError::Lexicon {
        file: ASKS_FILE,
        message: format!("{what}: {}", err.to_string().lines().last().unwrap_or_default()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAsk {
    kind: String,
    #[serde(flatten)]
    cues: RawCues,
    #[serde(default)]
    states: Option<String>,
    #[serde(default)]
    in_context: bool,
    #[serde(default)]
    near: bool,
    #[serde(default)]
    names: bool,
}

/// One kind of fact.
#[derive(Debug, Clone)]
pub struct Ask {
    /// Its name, for logs and tests.
    pub kind: String,
    /// Finds a question that asks for it.
    asked: Regex,
    /// Finds a passage that states such a fact; `None` where the policy states none.
    states: Option<Regex>,
    /// Whether a part that only gives context asks it too: "我係香港永久居民，可唔可以申請人才公寓"
    /// asks whether Hong Kong residents may, though its asking part names no group.
    pub in_context: bool,
    /// Whether the fact must stand in a clause that names what was asked about: "60%以上用于一线
    /// 职工教育" states a share of the education fund's use, not the share it is drawn at.
    near: bool,
    /// Whether the question asks if a list holds something ("28项有冇包括睇医生"): only a passage
    /// that names every word the asking part holds besides the cue answers (see
    /// [`Ask::cue_in`]); `states` is not used.
    pub names: bool,
}

/// Every kind of fact the corpus knows how to ask for.
#[derive(Debug, Clone)]
pub struct Asks {
    /// What shows that a part of a message asks.
    pub markers: Markers,
    /// The question words whose object is what a question asks about.
    pub focus: FocusWords,
    follow_up: Regex,
    asks: Vec<Ask>,
    levels: Vec<Level>,
}

/// A level of government a thing belongs to (national, provincial …): 省级技能大师工作室.
#[derive(Debug, Clone)]
pub struct Level {
    asked: Regex,
    stated: Regex,
}

/// The levels a question asks about, among all the corpus knows.
#[derive(Debug, Clone, Default)]
pub struct AskedLevels<'a> {
    asked: Vec<&'a Level>,
    all: &'a [Level],
}

impl AskedLevels<'_> {
    /// Whether the passages `texts` speak of an asked level, or of none: not when they name levels,
    /// but none of the asked ones ("每年7月份前完成国家级…推荐申报" is no deadline for a provincial
    /// studio).
    pub fn are_stated_in(&self, texts: &[&str]) -> bool {
        let named = |level: &Level| texts.iter().any(|text| level.stated.is_match(text));
        self.asked.is_empty() || self.asked.iter().any(|level| named(level)) || !self.all.iter().any(named)
    }
}

impl Asks {
    /// Reads `asks.toml`.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let raw: RawAsks = toml::from_str(text).map_err(|err| PolicyError::toml(ASKS_FILE, &err))?;
        let mut asks = Vec::with_capacity(raw.ask.len());
        for ask in raw.ask {
            if ask.cues.zh.is_empty() && ask.cues.en.is_empty() {
                return Err(PolicyError::Lexicon { file: ASKS_FILE, message: format!("{}: no cue words", ask.kind) });
            }
            let asked = ask.cues.regex(&ask.kind)?;
            let states =
                ask.states.as_deref().map(Regex::new).transpose().map_err(|err| regex_error(&ask.kind, &err))?;
            asks.push(Ask {
                kind: ask.kind,
                asked,
                states,
                in_context: ask.in_context,
                near: ask.near,
                names: ask.names,
            });
        }
        let follow_up = raw.follow_up.regex("follow_up")?;
        let levels = raw
            .level
            .iter()
            .map(|level| {
                let stated = Regex::new(&level.stated).map_err(|err| regex_error(&level.name, &err))?;
                Ok(Level { asked: level.cues.regex(&level.name)?, stated })
            })
            .collect::<Result<_, PolicyError>>()?;
        Ok(Self { markers: raw.markers, focus: raw.focus, follow_up, asks, levels })
    }

    /// The levels of government the parts of a question that ask (`texts`, Simplified,
    /// lowercased) name.
    pub fn levels_asked<'t>(&self, texts: impl IntoIterator<Item = &'t str> + Clone) -> AskedLevels<'_> {
        let asked = self.levels.iter().filter(|level| texts.clone().into_iter().any(|text| level.asked.is_match(text)));
        AskedLevels { asked: asked.collect(), all: &self.levels }
    }

    /// Whether `text` (Simplified, lowercased) reads as a follow-up to an earlier question
    /// ("那我老婆孩子呢", "and my kids?").
    pub fn follows_up(&self, text: &str) -> bool {
        self.follow_up.is_match(text.trim())
    }

    /// The kinds of fact `text` (Simplified, lowercased) asks for.
    pub fn asked(&self, text: &str) -> Vec<&Ask> {
        self.asks.iter().filter(|ask| ask.asked.is_match(text)).collect()
    }
}

impl Ask {
    /// The cue of this kind in `text`, if it asks for it.
    pub fn cue_in<'t>(&self, text: &'t str) -> Option<&'t str> {
        self.asked.find(text).map(|found| found.as_str())
    }

    /// Whether the Chinese passage `text` states a fact of this kind — for a kind stated `near`
    /// what was asked about, in a clause that also holds one of the policy words `about`.
    pub fn is_stated_in(&self, text: &str, about: &[&str]) -> bool {
        let Some(states) = &self.states else { return false };
        if !self.near {
            return states.is_match(text);
        }
        states.find_iter(text).any(|found| {
            let clause = clause_around(text, found.start(), found.end());
            about.iter().any(|word| clause.contains(word))
        })
    }
}

/// The clause of `text` (between commas, semicolons, colons or full stops) holding `start..end`.
fn clause_around(text: &str, start: usize, end: usize) -> &str {
    const BREAKS: [char; 6] = ['，', '；', '。', ',', ';', '：'];
    let from = text[..start].rfind(BREAKS).map_or(0, |at| at + text[at..].chars().next().map_or(0, char::len_utf8));
    let to = text[end..].find(BREAKS).map_or(text.len(), |at| end + at);
    &text[from..to]
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASKS: &str = r#"
        [markers]
        zh = ["吗"]
        en = ["how"]
        [focus]
        before = ["多少"]
        after = ["什么"]
        en = ["what"]
        [follow_up]
        zh = ["^那"]
        en = ["^and"]
        [[ask]]
        kind = "amount"
        zh = ["多少钱", "租金"]
        en = ["how much", "rent"]
        states = "[0-9]+元"
    "#;

    #[test]
    fn a_question_asking_for_a_kind_of_fact_is_recognised() {
        let asks = Asks::parse(ASKS).unwrap();
        assert_eq!(asks.asked("人才公寓租金多少")[0].kind, "amount");
        assert_eq!(asks.asked("how much is the rent?").len(), 1);
        assert!(asks.asked("人才公寓怎么申请").is_empty());
        assert!(asks.asked("can i apply for a talent apartment? i rented before").is_empty());
    }

    #[test]
    fn a_passage_about_other_years_does_not_state_the_asked_ones() {
        assert_eq!(years("那2025年定了多少人次，2024的呢"), ["2025", "2024"]);
        assert!(years("干了20年，电话12333").is_empty());
        let asked = years("2025年的目标是多少");
        assert!(is_about_other_years(&asked, "2024年完成补贴性职业技能培训13000人次以上"));
        assert!(!is_about_other_years(&asked, "2025年完成培训"));
        assert!(!is_about_other_years(&asked, "每年开展培训"));
        assert!(!is_about_other_years(&[], "2024年完成培训"));
    }

    #[test]
    fn a_passage_states_the_fact_or_not() {
        let asks = Asks::parse(ASKS).unwrap();
        let amount = &asks.asked("多少钱")[0];
        assert!(amount.is_stated_in("每月补贴500元", &[]));
        assert!(!amount.is_stated_in("提供购房补贴、人才公寓等", &[]));
        let never = Asks::parse("[markers]\nzh = []\nen = []\n[focus]\nbefore = []\nafter = []\nen = []\n[follow_up]\nzh = []\nen = []\n[[ask]]\nkind = \"x\"\nzh = [\"叠加\"]\nen = []\n").unwrap();
        assert!(!never.asked("能叠加吗")[0].is_stated_in("任何文字", &[]));
    }

    #[test]
    fn a_fact_stated_near_what_was_asked_must_share_its_clause() {
        let asks = Asks::parse(&ASKS.replace("states = ", "near = true\n        states = ")).unwrap();
        let amount = &asks.asked("多少钱")[0];
        let text = "企业足额提取职工教育经费，500元用于一线培训。每月补贴300元";
        assert!(amount.is_stated_in(text, &["补贴"]));
        assert!(amount.is_stated_in(text, &["培训"]));
        assert!(!amount.is_stated_in(text, &["职工教育经费"]));
    }

    #[test]
    fn the_cue_of_a_kind_is_found() {
        let asks = Asks::parse(ASKS).unwrap();
        assert_eq!(asks.asked("人才公寓租金多少")[0].cue_in("人才公寓租金多少"), Some("租金"));
        assert_eq!(asks.asked("人才公寓租金多少")[0].cue_in("人才公寓"), None);
    }

    #[test]
    fn a_bad_pattern_is_named() {
        let err = Asks::parse(&ASKS.replace("[0-9]+元", "[0-9")).unwrap_err();
        assert!(err.to_string().starts_with("asks.toml: amount:"), "{err}");
    }
}
