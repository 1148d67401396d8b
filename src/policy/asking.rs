//! How a message is put together: its sentences and clauses, each either asking something or
//! giving context ("我在钢厂干了十年电焊，能落户吗" asks only in its second clause). Words of the
//! context that the policy never uses say who is asking, not what; words of the asking part that
//! it never uses may be the very thing it does not state.

use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use crate::lang::is_han;

/// Where a message breaks into parts: sentence and clause punctuation, and in a dictated message
/// without punctuation, the particles that end a spoken clause (嘛, 啊) or begin the next (然后).
/// [`NO_BREAK`] is found first so that its 嘛 does not break.
static BREAK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"[？?！!。．；;：:，,、\n]+|\.(?:\s+|$)|{NO_BREAK}|(?:嘛|啊|呀|哈|哦)|(?:然后|另外|还有就是)"))
        .expect("valid regex")
});

/// A match of [`BREAK`] that is a word, not a break: 干嘛 ("what for").
const NO_BREAK: &str = "干嘛";

/// The negations of an A-not-A question: 支不支持, 允唔允许, 有没有.
const NOT: [char; 4] = ['不', '唔', '没', '冇'];

/// Whether `word` is the negation of an A-not-A question.
pub fn is_negation(word: &str) -> bool {
    let mut chars = word.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if NOT.contains(&c))
}

/// Whether `text` asks an A-not-A question (支不支持, 罗唔罗到): a question with no question word.
fn has_a_not_a(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(3).any(|w| is_han(w[0]) && !NOT.contains(&w[0]) && NOT.contains(&w[1]) && w[2] == w[0])
}

/// The words that show a part asks something, as `asks.toml` lists them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Markers {
    /// Chinese markers (Mandarin and Cantonese), found anywhere in a part.
    pub zh: Vec<String>,
    /// English markers: words a part starts with when it asks.
    pub en: Vec<String>,
    /// How a part that passes on what the asker heard begins ("听朋友说市里要建个什么库"): its
    /// 什么 is "some", so it asks only when it ends as a question does.
    #[serde(default, deserialize_with = "at_start")]
    pub hearsay: Pattern,
    /// How a question may end: a question mark, or a particle that makes a sentence a question.
    #[serde(default)]
    pub endings: Vec<String>,
    /// Question words that mean "any" or "and so on" where they stand ("他没啥学历", "电焊什么的"):
    /// they show no question, so a part holding only these asks only when it ends as a question.
    #[serde(default, deserialize_with = "anywhere")]
    pub indefinite: Pattern,
}

/// Phrases as one regular expression (none when no phrase is listed).
#[derive(Debug, Clone, Default)]
pub struct Pattern(Option<Regex>);

impl Pattern {
    /// A match of any of `patterns` (regular expressions) anywhere in a text.
    pub fn anywhere(patterns: &[String]) -> Result<Self, regex::Error> {
        Self::build(patterns, "")
    }

    /// A match of any of `patterns` (regular expressions) at the start of a text.
    pub fn at_start(patterns: &[String]) -> Result<Self, regex::Error> {
        Self::build(patterns, "^")
    }

    fn build(patterns: &[String], anchor: &str) -> Result<Self, regex::Error> {
        if patterns.is_empty() {
            return Ok(Self(None));
        }
        Regex::new(&format!("{anchor}(?:{})", patterns.join("|"))).map(|regex| Self(Some(regex)))
    }

    fn is_match(&self, text: &str) -> bool {
        self.0.as_ref().is_some_and(|regex| regex.is_match(text))
    }

    /// `text` with every match taken out.
    fn remove<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        match &self.0 {
            Some(regex) => regex.replace_all(text, " "),
            None => text.into(),
        }
    }
}

fn at_start<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Pattern, D::Error> {
    Pattern::at_start(&Vec::<String>::deserialize(deserializer)?).map_err(serde::de::Error::custom)
}

fn anywhere<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Pattern, D::Error> {
    Pattern::anywhere(&Vec::<String>::deserialize(deserializer)?).map_err(serde::de::Error::custom)
}

/// A part of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part<'a> {
    /// Its text.
    pub text: &'a str,
    /// Whether it asks (rather than gives context).
    pub asks: bool,
}

impl Markers {
    /// The parts of `text` (Simplified, lowercased), in order. A message none of whose parts
    /// shows a marker is taken as asking in every part.
    pub fn parts<'a>(&self, text: &'a str) -> Vec<Part<'a>> {
        let mut parts = Vec::new();
        let mut start = 0;
        for found in BREAK.find_iter(text).filter(|found| found.as_str() != NO_BREAK) {
            let ends_with_question = found.as_str().contains(['?', '？']);
            self.push(&mut parts, &text[start..found.start()], ends_with_question);
            start = found.end();
        }
        self.push(&mut parts, &text[start..], false);
        if !parts.iter().any(|part| part.asks) {
            parts.iter_mut().for_each(|part| part.asks = true);
        }
        parts
    }

    fn push<'a>(&self, parts: &mut Vec<Part<'a>>, text: &'a str, ends_with_question: bool) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let asks = if self.hearsay.is_match(text) {
            ends_with_question || self.endings.iter().any(|ending| text.ends_with(ending.as_str()))
        } else {
            ends_with_question || self.asks(text)
        };
        parts.push(Part { text, asks });
    }

    /// Whether a part shows that it asks.
    fn asks(&self, text: &str) -> bool {
        let text = &*self.indefinite.remove(text);
        let first_word = text.split(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or_default();
        self.zh.iter().any(|marker| text.contains(marker.as_str()))
            || has_a_not_a(text)
            || self.en.iter().any(|marker| marker == first_word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn markers() -> Markers {
        Markers {
            zh: ["吗", "什么", "能不能", "多少", "干嘛"].map(String::from).to_vec(),
            en: ["can", "what", "is"].map(String::from).to_vec(),
            hearsay: Pattern::at_start(&["听[^，]{0,3}说".to_owned()]).unwrap(),
            endings: ["吗", "?"].map(String::from).to_vec(),
            indefinite: Pattern::anywhere(&["没(有)?(什么|啥)".to_owned(), "什么的".to_owned()]).unwrap(),
        }
    }

    fn asking(text: &str) -> Vec<(&str, bool)> {
        markers().parts(text).into_iter().map(|part| (part.text, part.asks)).collect()
    }

    #[test]
    fn context_and_question_are_told_apart() {
        assert_eq!(asking("我在钢厂干了十年电焊，能落户吗？"), [("我在钢厂干了十年电焊", false), ("能落户吗", true)]);
        assert_eq!(
            asking("i'm a german welder. can i get a visa? my wife too"),
            [("i'm a german welder", false), ("can i get a visa", true), ("my wife too", false)]
        );
    }

    #[test]
    fn a_dictated_message_breaks_at_spoken_particles() {
        assert_eq!(
            asking("我爸是老技工嘛然后能不能评个荣誉市民"),
            [("我爸是老技工", false), ("能不能评个荣誉市民", true)]
        );
    }

    #[test]
    fn an_a_not_a_question_asks() {
        assert_eq!(asking("徒弟想搞个工作室，政策支不支持哦"), [("徒弟想搞个工作室", false), ("政策支不支持", true)]);
        assert_eq!(asking("干得不多不少，能落户吗"), [("干得不多不少", false), ("能落户吗", true)]);
    }

    #[test]
    fn what_for_is_a_question_word_not_a_spoken_break() {
        assert_eq!(
            asking("厂里说要搞揭榜领题嘛这个是干嘛用的"),
            [("厂里说要搞揭榜领题", false), ("这个是干嘛用的", true)]
        );
    }

    #[test]
    fn a_message_without_a_marker_asks_in_every_part() {
        assert_eq!(asking("人才公寓，申请"), [("人才公寓", true), ("申请", true)]);
    }

    #[test]
    fn hearsay_asks_only_when_it_ends_as_a_question() {
        assert_eq!(
            asking("听朋友说市里要建个什么库，进了库能一直在吗"),
            [("听朋友说市里要建个什么库", false), ("进了库能一直在吗", true)]
        );
        assert_eq!(asking("听说人才公寓能申请是真的吗"), [("听说人才公寓能申请是真的吗", true)]);
    }

    #[test]
    fn a_question_word_that_means_any_does_not_ask() {
        assert_eq!(asking("能不能聘我徒弟当老师，他没啥学历"), [("能不能聘我徒弟当老师", true), ("他没啥学历", false)]);
        assert_eq!(asking("我会电焊什么的，能落户吗"), [("我会电焊什么的", false), ("能落户吗", true)]);
        assert_eq!(asking("没什么学历可以吗"), [("没什么学历可以吗", true)]);
    }

    #[test]
    fn a_question_mark_makes_a_part_ask() {
        assert_eq!(asking("人才公寓?好的"), [("人才公寓", true), ("好的", false)]);
    }
}
