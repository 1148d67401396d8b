//! A question turned into concepts: the Chinese words and English phrases it is made of, each
//! with the index terms that express it (the word itself, its parts, its synonyms, the policy's
//! words for an English phrase), and how much each concept matters.

use std::sync::LazyLock;

use regex::Regex;
use tantivy::tokenizer::TextAnalyzer;

use super::index::{Language, PassageIndex, WeightedTerm};
use super::lexicon::Lexicon;
use super::segmenter::{Segmenter, tokens};

/// Parts of a word, and broader terms, count half as much as the word.
const PART_WEIGHT: f32 = 0.5;
/// A one-character Chinese word says little on its own.
const SINGLE_CHARACTER_WEIGHT: f32 = 0.5;
/// An unknown word that is not a noun (a verb, an adverb) is more likely how a question is put
/// than what it is about, so it weighs less against the passages.
const UNKNOWN_NON_NOUN_WEIGHT: f32 = 0.5;
/// An unknown word in the context of a message (not in the part that asks) says who asks, not
/// what: it weighs this much of what it would weigh in the question itself.
const CONTEXT_WEIGHT: f32 = 0.2;
/// A known word of the context says what the question is about, but less than the part that asks.
const KNOWN_CONTEXT_WEIGHT: f32 = 0.75;

/// A run of English words. The words of one phrase may be set apart by spaces, dashes, quotes or
/// other symbols ("industry–school–assessment"), but not by the end of a sentence.
static LATIN_RUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[a-z][a-z0-9'’\-]*(?:[\s,./–—+&:;()\x22“”]+[a-z][a-z0-9'’\-]*)*").expect("valid regex")
});

/// One unit of meaning in a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Concept {
    /// The word or phrase as asked (for debugging and tests).
    pub label: String,
    /// Terms that express it in the Chinese text.
    pub zh: Vec<WeightedTerm>,
    /// Terms that express it in the English translation.
    pub en: Vec<WeightedTerm>,
    /// Extra factor on the concept's importance.
    pub weight: f32,
    /// Whether the concept names a thing (a noun, an English word): if the policy never
    /// mentions it, the question is probably about something else.
    pub salient: bool,
    /// Whether it stands in a part of the message that asks, rather than in the context.
    pub asked: bool,
    /// Whether it is what a question word asks about (租金 in 租金多少, 条件 in 什么条件).
    pub focus: bool,
}

impl Concept {
    /// Every term with the text it is looked up in.
    pub fn terms(&self) -> impl Iterator<Item = (Language, &WeightedTerm)> {
        self.zh.iter().map(|t| (Language::Chinese, t)).chain(self.en.iter().map(|t| (Language::English, t)))
    }

    /// How much answering this concept matters: the specificity of its most specific known
    /// term, or the highest specificity if the policy knows none of its terms.
    pub fn importance(&self, index: &PassageIndex) -> f32 {
        let known = self
            .terms()
            .filter(|(language, term)| index.knows(*language, &term.text))
            .map(|(language, term)| index.idf(language, &term.text) * term.weight)
            .fold(None, |best: Option<f32>, value| Some(best.map_or(value, |b| b.max(value))));
        let unknown = || {
            index.unknown_idf()
                * if self.salient { 1.0 } else { UNKNOWN_NON_NOUN_WEIGHT }
                * if self.asked { 1.0 } else { CONTEXT_WEIGHT }
        };
        let known = known.map(|idf| if self.asked { idf } else { idf * KNOWN_CONTEXT_WEIGHT });
        self.weight * known.unwrap_or_else(unknown)
    }

    /// Whether passage `passage` names the concept: holds the word itself, a synonym or its
    /// glossary term, not only a part of it or the broader term it falls under (a list of 技能人才
    /// does not name 电焊工).
    pub fn is_named_in(&self, index: &PassageIndex, passage: usize) -> bool {
        self.terms()
            .filter(|(_, term)| term.weight >= 1.0 && !term.part)
            .any(|(language, term)| index.presence(passage, language, &term.text) > 0.0)
    }

    /// Whether the policy uses any of the concept's terms.
    pub fn is_known(&self, index: &PassageIndex) -> bool {
        self.terms().any(|(language, term)| index.knows(language, &term.text))
    }

    /// The concept weighed against `index` once, to credit many passages with.
    pub fn weighed(&self, index: &PassageIndex, importance: f32) -> Weighed<'_> {
        Weighed {
            importance,
            weight: self.weight,
            known: self.is_known(index),
            // A term no passage holds earns no credit anywhere.
            terms: self
                .terms()
                .filter(|(language, term)| index.holds(*language, &term.text))
                .map(|(language, term)| (language, term.text.as_str(), index.idf(language, &term.text) * term.weight))
                .collect(),
        }
    }
}

/// A concept weighed against an index (see [`Concept::weighed`]).
#[derive(Debug)]
pub struct Weighed<'c> {
    /// The concept's importance: the most credit it can earn.
    pub importance: f32,
    weight: f32,
    /// Whether the policy uses any of its terms.
    pub known: bool,
    /// The terms the policy uses, each with its specificity times its weight.
    terms: Vec<(Language, &'c str, f32)>,
}

impl Weighed<'_> {
    /// How much of the concept passage `passage` answers, from 0 to its importance: the best of
    /// its terms there, by specificity and weight.
    pub fn credit(&self, index: &PassageIndex, passage: usize) -> f32 {
        let best = self
            .terms
            .iter()
            .map(|&(language, term, value)| index.presence(passage, language, term) * value)
            .fold(0.0, f32::max);
        (self.weight * best).min(self.importance)
    }
}

/// The question words whose object is the focus of a question, as `asks.toml` lists them.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FocusWords {
    /// Chinese question words that ask about the word before them (租金多少).
    pub before: Vec<String>,
    /// Chinese question words that ask about the word after them (什么条件, 几个工作日).
    pub after: Vec<String>,
    /// English question words that ask about the words after them ("what documents").
    pub en: Vec<String>,
}

/// Turns question text into concepts.
pub struct QueryAnalyzer<'a> {
    lexicon: &'a Lexicon,
    segmenter: &'a Segmenter,
    focus: &'a FocusWords,
    chinese: TextAnalyzer,
    english: TextAnalyzer,
}

/// How many words away from its question word a focus may stand.
const FOCUS_REACH: usize = 2;

impl<'a> QueryAnalyzer<'a> {
    /// An analyzer over the policy's vocabulary.
    pub fn new(
        lexicon: &'a Lexicon,
        segmenter: &'a Segmenter,
        focus: &'a FocusWords,
        chinese: TextAnalyzer,
        english: TextAnalyzer,
    ) -> Self {
        Self { lexicon, segmenter, focus, chinese, english }
    }

    /// The concepts of `text` (Simplified Chinese and/or English, lowercased), a part of a message
    /// that asks (`asked`) or gives context.
    pub fn concepts(&mut self, text: &str, asked: bool) -> Vec<Concept> {
        let mut concepts: Vec<Concept> = Vec::new();
        // Words since the last concept, and since a question word that asks about what follows.
        let (mut since_concept, mut awaiting) = (usize::MAX, None::<usize>);
        for word in self.segmenter.words(text) {
            let (salient, word) = (word.noun, word.text);
            if asked
                && self.focus.before.contains(&word)
                && since_concept <= FOCUS_REACH
                && let Some(last) = concepts.last_mut()
            {
                last.focus = true;
            }
            let question_word = asked && self.focus.after.iter().any(|q| word.starts_with(q.as_str()));
            since_concept = since_concept.saturating_add(1);
            awaiting = awaiting.map(|n| n + 1).filter(|&n| n <= FOCUS_REACH);
            let focus = !question_word && awaiting.is_some();
            if question_word {
                awaiting = Some(0);
            }
            // Latin words are read as English below, where phrases can be seen.
            if word.chars().any(|c| c.is_ascii_alphabetic()) || self.lexicon.is_filler(&word) {
                continue;
            }
            if focus {
                awaiting = None;
            }
            since_concept = 0;
            let mut terms = Vec::new();
            self.add_word(&mut terms, &word, 1.0);
            for synonym in self.lexicon.synonyms(&word) {
                self.add_word(&mut terms, synonym, 1.0);
            }
            for broader in self.lexicon.broader(&word) {
                self.add_word(&mut terms, broader, PART_WEIGHT);
            }
            let weight = if word.chars().count() == 1 { SINGLE_CHARACTER_WEIGHT } else { 1.0 };
            concepts.push(Concept { label: word, zh: terms, en: Vec::new(), weight, salient, asked, focus });
        }
        for run in LATIN_RUN.find_iter(text) {
            let focus_stems = if asked { self.english_focus(run.as_str()) } else { Vec::new() };
            let mut focus_found = false;
            for phrase in self.lexicon.match_english(&mut self.english, run.as_str()) {
                let mut zh = Vec::new();
                for term in &phrase.terms {
                    self.add_word(&mut zh, term, 1.0);
                }
                if phrase.terms.is_empty() {
                    // Latin letters inside Chinese text (A类, C类) are indexed as themselves.
                    phrase.stems.iter().for_each(|stem| add(&mut zh, stem, 1.0, false));
                }
                // A phrase counts once, however many words it has ("senior technician" against "hukou").
                let share = 1.0 / phrase.stems.len().max(1) as f32;
                let en = phrase.stems.iter().map(|stem| WeightedTerm::new(stem.clone(), share)).collect();
                let focus = !focus_found && phrase.stems.iter().any(|stem| focus_stems.contains(stem));
                focus_found |= focus;
                concepts.push(Concept {
                    label: phrase.stems.join(" "),
                    zh,
                    en,
                    weight: 1.0,
                    salient: true,
                    asked,
                    focus,
                });
            }
        }
        concepts
    }

    /// The stems of the few words after an English question word that asks about them ("what
    /// documents" → document).
    fn english_focus(&mut self, run: &str) -> Vec<String> {
        let words: Vec<&str> =
            run.split(|c: char| !c.is_ascii_alphanumeric() && c != '\'').filter(|w| !w.is_empty()).collect();
        let mut stems = Vec::new();
        for question in &self.focus.en {
            let asked: Vec<&str> = question.split(' ').collect();
            for start in 0..words.len().saturating_sub(asked.len() - 1) {
                if words[start..start + asked.len()] == asked[..] {
                    let after = words[start + asked.len()..].iter().take(FOCUS_REACH + 1);
                    stems.extend(after.flat_map(|word| tokens(&mut self.english, word)));
                }
            }
        }
        stems
    }

    /// Adds a word and its dictionary parts (人才公寓 → 人才, 公寓) as Chinese terms.
    fn add_word(&mut self, terms: &mut Vec<WeightedTerm>, word: &str, weight: f32) {
        let parts = tokens(&mut self.chinese, word);
        let whole = parts.iter().any(|part| part == word);
        for part in &parts {
            let is_part = whole && part != word;
            add(terms, part, if is_part { weight * PART_WEIGHT } else { weight }, is_part);
        }
    }
}

/// Adds a term, keeping the highest weight when it is already there (a term that is also more
/// than a part is no part).
fn add(terms: &mut Vec<WeightedTerm>, text: &str, weight: f32, part: bool) {
    match terms.iter_mut().find(|term| term.text == text) {
        Some(term) => {
            term.weight = term.weight.max(weight);
            term.part &= part;
        }
        None => terms.push(WeightedTerm { text: text.to_owned(), weight, part }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::segmenter::english_analyzer;

    fn lexicon() -> Lexicon {
        Lexicon::parse(
            r#"words = ["人才公寓", "高技能人才"]
               filler = ["怎么", "吗", "能", "系咪"]
               [synonyms]
               "孩子" = ["子女"]
               [broader]
               "高级技师" = ["高技能人才"]"#,
            r#"filler = ["how", "do", "i", "a", "for"]
               [terms]
               "talent apartment" = ["人才公寓"]"#,
        )
        .unwrap()
    }

    fn concepts(text: &str) -> Vec<Concept> {
        let lexicon = lexicon();
        let segmenter = Segmenter::new(lexicon.dictionary());
        let focus = FocusWords { before: vec!["多少".into()], after: vec!["什么".into()], en: vec!["what".into()] };
        QueryAnalyzer::new(&lexicon, &segmenter, &focus, segmenter.chinese_analyzer(), english_analyzer())
            .concepts(text, true)
    }

    fn terms(concept: &Concept) -> Vec<(String, f32)> {
        concept.zh.iter().map(|t| (t.text.clone(), t.weight)).collect()
    }

    #[test]
    fn filler_is_dropped_and_words_keep_their_parts() {
        let found = concepts("人才公寓怎么申请？");
        let labels: Vec<_> = found.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["人才公寓", "申请"]);
        assert_eq!(terms(&found[0]), [("人才".into(), 0.5), ("公寓".into(), 0.5), ("人才公寓".into(), 1.0)]);
    }

    #[test]
    fn filler_the_segmenter_would_split_is_still_dropped_whole() {
        let labels: Vec<_> = concepts("人才公寓系咪").into_iter().map(|c| c.label).collect();
        assert_eq!(labels, ["人才公寓"]);
    }

    #[test]
    fn synonyms_and_broader_terms_join_the_word() {
        let found = concepts("孩子");
        assert!(terms(&found[0]).contains(&("子女".into(), 1.0)), "{found:?}");
        let found = concepts("高级技师");
        assert!(terms(&found[0]).contains(&("高技能人才".into(), 0.5)), "{found:?}");
    }

    #[test]
    fn english_phrases_map_onto_chinese_terms_and_keep_their_stems() {
        let found = concepts("how do i apply for talent apartments?");
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[1].label, "talent apart");
        assert!(terms(&found[1]).contains(&("人才公寓".into(), 1.0)));
        assert_eq!(found[1].en.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(), ["talent", "apart"]);
    }

    #[test]
    fn english_words_joined_by_dashes_or_symbols_read_as_one_phrase() {
        for text in ["talent–apartment rules", "talent—apartment", "“talent” + apartment"] {
            let found = concepts(text);
            assert!(found.iter().any(|c| c.label == "talent apart"), "{text}: {found:?}");
        }
    }

    #[test]
    fn latin_letters_in_chinese_questions_are_kept() {
        let found = concepts("c类人才");
        assert!(found.iter().any(|c| c.label == "c" && terms(c).contains(&("c".into(), 1.0))), "{found:?}");
    }

    #[test]
    fn the_word_a_question_word_asks_about_is_the_focus() {
        let focus = |text: &str| concepts(text).into_iter().filter(|c| c.focus).map(|c| c.label).collect::<Vec<_>>();
        assert_eq!(focus("人才公寓租金多少"), ["租金"]);
        assert_eq!(focus("申请人才公寓要什么材料"), ["材料"]);
        assert_eq!(focus("what documents do i need for a talent apartment?"), ["document"]);
        assert!(focus("人才公寓怎么申请").is_empty());
    }

    #[test]
    fn one_character_words_count_less() {
        let found = concepts("税");
        assert_eq!(found[0].weight, SINGLE_CHARACTER_WEIGHT);
    }
}
