//! Questions each sentence of the policy answers, in the everyday words people use
//! (`anticipated.toml`, written from the policy text alone): searched as a second text of their
//! sentence, so that "考一次就能拿两个证" finds 一试双证 and "can I get company shares" finds 股权激励
//! (document expansion), and compared with a question as a whole, to tell how much it reads like
//! something the sentence answers.

use rustc_hash::FxHashSet;

use serde::Deserialize;

use super::PolicyError;
use super::document::Document;
use super::index::{Hit, Indexed, PassageIndex};
use super::lexicon::Lexicon;
use super::question::Question;
use super::segmenter::{Segmenter, bigram_analyzer, english_analyzer, tokens};
use crate::lang::Scripts;

/// File name of the anticipated questions in the corpus directory.
pub const ANTICIPATED_FILE: &str = "anticipated.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    sentence: Vec<RawSentence>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSentence {
    key: String,
    zh: Vec<String>,
    zh_hant: Vec<String>,
    en: Vec<String>,
}

/// The anticipated questions, searchable.
#[derive(Debug)]
pub struct Anticipated {
    index: PassageIndex,
    /// The passage each question is about.
    passage_of: Vec<usize>,
    /// Each question's Chinese bigrams and English content stems.
    features: Vec<FxHashSet<String>>,
}

/// The anticipated questions as read from `anticipated.toml`, not yet indexed: each with the
/// passage it is about, lowercased, the Chinese ones in Simplified, and whether it is English.
#[derive(Debug)]
pub struct Questions(Vec<(usize, String, bool)>);

impl Questions {
    /// Reads `anticipated.toml`: every key must name a sentence of `document` (`17.8`).
    pub fn read(text: &str, document: &Document, scripts: &Scripts) -> Result<Self, PolicyError> {
        let raw: RawFile = toml::from_str(text).map_err(|err| PolicyError::toml(ANTICIPATED_FILE, &err))?;
        let problem = |message: String| PolicyError::Lexicon { file: ANTICIPATED_FILE, message };
        let mut questions: Vec<(usize, String, bool)> = Vec::new();
        for sentence in raw.sentence {
            let passage = passage_of(document, &sentence.key)
                .ok_or_else(|| problem(format!("{} is not a sentence of the policy", sentence.key)))?;
            let chinese =
                sentence.zh.iter().chain(&sentence.zh_hant).map(|q| (scripts.simplify(q).to_lowercase(), false));
            let english = sentence.en.iter().map(|q| (q.to_lowercase(), true));
            questions.extend(chinese.chain(english).map(|(text, english)| (passage, text, english)));
        }
        Ok(Self(questions))
    }
}

impl Anticipated {
    /// Indexes `questions` over the segmenter's words, and takes each one's bigrams and English
    /// stems (on a thread of its own: a process's first answer waits for this).
    pub fn build(questions: Questions, lexicon: &Lexicon, segmenter: &Segmenter) -> Result<Self, PolicyError> {
        let Questions(questions) = questions;
        let (index, features) = std::thread::scope(|scope| {
            let features = scope.spawn(|| {
                let (mut bigrams, mut stems) = (bigram_analyzer(), english_analyzer());
                questions
                    .iter()
                    .map(|(_, text, english)| match english {
                        true => lexicon.match_english(&mut stems, text).into_iter().flat_map(|m| m.stems).collect(),
                        false => tokens(&mut bigrams, text).into_iter().collect(),
                    })
                    .collect()
            });
            let texts: Vec<Indexed<'_>> = questions
                .iter()
                .map(|(_, text, english)| match english {
                    true => Indexed { en: text, ..Indexed::default() },
                    false => Indexed { zh: text, ..Indexed::default() },
                })
                .collect();
            (PassageIndex::of_texts(&texts, segmenter), super::joined(features))
        });
        Ok(Self { index: index?, passage_of: questions.iter().map(|(passage, ..)| *passage).collect(), features })
    }

    /// How many questions there are.
    pub fn len(&self) -> usize {
        self.passage_of.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.passage_of.is_empty()
    }

    /// The passages whose anticipated questions are most like `question` (BM25 over words,
    /// bigrams and English stems), best first, each once, at most `limit`.
    pub fn search(&self, question: &Question<'_>, limit: usize) -> Result<Vec<Hit>, PolicyError> {
        let terms = question.word_terms(&self.index).chain(question.bigram_terms()).chain(question.english_terms());
        let mut hits: Vec<Hit> = Vec::with_capacity(limit);
        for hit in self.index.search(terms, limit * 4)? {
            let passage = self.passage_of[hit.passage];
            if !hits.iter().any(|known| known.passage == passage) {
                hits.push(Hit { passage, score: hit.score });
            }
        }
        hits.truncate(limit);
        Ok(hits)
    }

    /// How much `question` reads like one of the questions `passage` answers: the best Dice
    /// coefficient of their bigrams and English stems (0 for a passage without any).
    pub fn likeness(&self, question: &Question<'_>, passage: usize) -> f32 {
        // The question as written (its own bigrams, not its synonyms'), as the anticipated ones are.
        let bigrams = tokens(&mut bigram_analyzer(), &question.asked);
        let asked: FxHashSet<&str> = bigrams
            .iter()
            .map(String::as_str)
            .chain(question.english_terms().map(|(_, term)| term.text.as_str()))
            .collect();
        self.passage_of
            .iter()
            .zip(&self.features)
            .filter(|(of, _)| **of == passage)
            .map(|(_, features)| {
                let shared = features.iter().filter(|feature| asked.contains(feature.as_str())).count();
                let total = features.len() + asked.len();
                if total == 0 { 0.0 } else { 2.0 * shared as f32 / total as f32 }
            })
            .fold(0.0, f32::max)
    }
}

/// The passage a key such as `17.8` (clause 17, sentence 8) names.
fn passage_of(document: &Document, key: &str) -> Option<usize> {
    let (clause, ordinal) = key.trim().split_once('.')?;
    let (clause, ordinal): (u8, u16) = (clause.parse().ok()?, ordinal.parse().ok()?);
    document.passages.iter().position(|p| p.clause == clause && p.ordinal == ordinal)
}

#[cfg(test)]
mod tests {
    use crate::lang::Lang;
    use crate::policy::tests::policy;

    #[test]
    fn every_sentence_has_anticipated_questions_and_they_are_searchable() {
        let policy = policy();
        assert!(policy.anticipated.len() >= 3 * policy.document().passages.len(), "{}", policy.anticipated.len());
        let question = policy.read(&policy.fold("考一次就能拿两个证吗"), None);
        let hits = policy.anticipated.search(&question, 3).unwrap();
        let hit = hits.iter().find(|hit| policy.document().passages[hit.passage].text.contains("一试双证"));
        let hit = hit.expect("the sentence on 一试双证 is among the best three");
        assert!(policy.anticipated.likeness(&question, hit.passage) > 0.3);
        assert!(policy.answer("考一次就能拿两个证吗", Lang::Zh).unwrap().answer.contains("一试双证"));
        let english = policy.answer("can the company give me shares?", Lang::En).unwrap();
        assert!(english.answer.contains("equity"), "{}", english.answer);
    }

    #[test]
    fn a_key_that_names_no_sentence_is_refused() {
        let policy = policy();
        let err = super::Questions::read(
            "[[sentence]]\nkey = \"99.1\"\nzh = []\nzh_hant = []\nen = []\n",
            policy.document(),
            policy.scripts(),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "anticipated.toml: 99.1 is not a sentence of the policy");
    }
}
