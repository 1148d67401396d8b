//! What a message is when it is not a question about the policy: a greeting, thanks, a goodbye,
//! asking who or what the bot is or what it can do, or asking for a person (`smalltalk.toml`).
//! Such messages get a reply of their own, never "the policy says nothing about this".

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::lang::is_han;

/// File name of the small-talk phrases in the corpus directory.
pub const SMALLTALK_FILE: &str = "smalltalk.toml";
/// A handover phrase counts inside a message of at most this many characters (letters and
/// Chinese characters): beyond that the message is a question that happens to mention it.
const HANDOVER_INSIDE: usize = 40;
/// A handover phrase shorter than this (人工, 客服) counts only as the whole message: inside one
/// it may be part of another word (人工成本).
const HANDOVER_INSIDE_FROM: usize = 3;

/// A kind of small talk, from the most telling down: a message mixing several is taken as the
/// first of them it contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmallTalk {
    /// Wants to talk to a person.
    Handover,
    /// Asks who or what the bot is.
    Identity,
    /// Asks what the bot can do.
    Capabilities,
    /// Says goodbye.
    Goodbye,
    /// Says thanks.
    Thanks,
    /// Says hello.
    Greeting,
    /// Says "OK", "got it".
    Acknowledgement,
}

/// The phrases file could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{SMALLTALK_FILE}: {0}")]
pub struct SmallTalkError(String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPhrases {
    particles: Vec<String>,
    kinds: BTreeMap<SmallTalk, RawKind>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    zh: Vec<String>,
    en: Vec<String>,
}

/// The phrases of small talk, ready to match.
#[derive(Debug, Clone)]
pub struct Phrases {
    /// Every phrase and particle (spaces removed), longest first, with its kind (`None` for a
    /// particle).
    pieces: Vec<(String, Option<SmallTalk>)>,
}

impl Phrases {
    /// Reads `smalltalk.toml`.
    pub fn parse(text: &str) -> Result<Self, SmallTalkError> {
        let raw: RawPhrases =
            toml::from_str(text).map_err(|err| SmallTalkError(err.to_string().trim_end().to_owned()))?;
        let mut pieces: Vec<(String, Option<SmallTalk>)> =
            raw.particles.iter().map(|particle| (squeeze(particle), None)).collect();
        for (kind, phrases) in &raw.kinds {
            if phrases.zh.is_empty() && phrases.en.is_empty() {
                return Err(SmallTalkError(format!("{kind:?} has no phrases")));
            }
            pieces.extend(phrases.zh.iter().chain(&phrases.en).map(|phrase| (squeeze(phrase), Some(*kind))));
        }
        if let Some((empty, _)) = pieces.iter().find(|(piece, _)| piece.is_empty()) {
            return Err(SmallTalkError(format!("an empty phrase ({empty:?})")));
        }
        pieces.sort_by(|(a, _), (b, _)| b.chars().count().cmp(&a.chars().count()).then_with(|| a.cmp(b)));
        Ok(Self { pieces })
    }

    /// The small talk `text` is (Simplified, lowercased), if it is nothing but small talk, or a
    /// short message asking for a person.
    pub fn detect(&self, text: &str) -> Option<SmallTalk> {
        let squeezed = squeeze(text);
        if squeezed.is_empty() {
            return None;
        }
        if let Some(kind) = self.whole(&squeezed) {
            return Some(kind);
        }
        let handover = |(piece, kind): &&(String, Option<SmallTalk>)| {
            *kind == Some(SmallTalk::Handover)
                && piece.chars().count() >= HANDOVER_INSIDE_FROM
                && squeezed.contains(piece.as_str())
        };
        (squeezed.chars().count() <= HANDOVER_INSIDE && self.pieces.iter().any(|piece| handover(&piece)))
            .then_some(SmallTalk::Handover)
    }

    /// The most telling kind among the phrases `squeezed` is made of, if it is made of phrases
    /// and particles alone (and at least one phrase).
    fn whole(&self, squeezed: &str) -> Option<SmallTalk> {
        let mut rest = squeezed;
        let mut kinds = Vec::new();
        while !rest.is_empty() {
            let (piece, kind) = self.pieces.iter().find(|(piece, _)| rest.starts_with(piece.as_str()))?;
            kinds.extend(*kind);
            rest = &rest[piece.len()..];
        }
        kinds.into_iter().min()
    }
}

/// The text with everything but letters, digits and Chinese characters removed, lowercased.
fn squeeze(text: &str) -> String {
    text.chars().filter(|&c| c.is_alphanumeric() || is_han(c) || c == '\'').flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrases() -> Phrases {
        Phrases::parse(include_str!("../corpus/smalltalk.toml")).unwrap()
    }

    fn kind(text: &str) -> Option<SmallTalk> {
        phrases().detect(text)
    }

    #[test]
    fn greetings_thanks_and_goodbyes_in_every_language() {
        assert_eq!(kind("你好"), Some(SmallTalk::Greeting));
        assert_eq!(kind("hello!"), Some(SmallTalk::Greeting));
        assert_eq!(kind("Hi there 👋"), Some(SmallTalk::Greeting));
        assert_eq!(kind("谢谢你"), Some(SmallTalk::Thanks));
        assert_eq!(kind("thanks!"), Some(SmallTalk::Thanks));
        assert_eq!(kind("唔该晒"), Some(SmallTalk::Thanks));
        assert_eq!(kind("好的，谢谢！再见"), Some(SmallTalk::Goodbye));
        assert_eq!(kind("ok"), Some(SmallTalk::Acknowledgement));
    }

    #[test]
    fn asking_what_the_bot_is_or_can_do() {
        assert_eq!(kind("你是谁？"), Some(SmallTalk::Identity));
        assert_eq!(kind("Are you a bot?"), Some(SmallTalk::Identity));
        assert_eq!(kind("你能做什么"), Some(SmallTalk::Capabilities));
        assert_eq!(kind("what can you do?"), Some(SmallTalk::Capabilities));
    }

    #[test]
    fn asking_for_a_person_counts_inside_a_short_message() {
        assert_eq!(kind("转人工"), Some(SmallTalk::Handover));
        assert_eq!(kind("我想转人工，谢谢"), Some(SmallTalk::Handover));
        assert_eq!(kind("Can I talk to a real person please?"), Some(SmallTalk::Handover));
        assert_eq!(kind("人工"), Some(SmallTalk::Handover));
    }

    #[test]
    fn questions_are_not_small_talk() {
        assert_eq!(kind("你好，人才公寓怎么申请？"), None);
        assert_eq!(kind("人工成本监测是什么"), None);
        assert_eq!(kind("hi, how do i apply for a talent apartment?"), None);
        assert_eq!(kind("his visa"), None);
        assert_eq!(kind(""), None);
    }

    #[test]
    fn a_kind_without_phrases_is_refused() {
        let err = Phrases::parse("particles = []\n[kinds.greeting]\nzh = []\nen = []\n").unwrap_err();
        assert_eq!(err.to_string(), "smalltalk.toml: Greeting has no phrases");
    }
}
