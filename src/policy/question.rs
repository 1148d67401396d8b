//! A question read for searching: folded to Simplified lowercase text, homophone slips repaired,
//! and cut three ways — concepts (words with their synonyms and glossary terms), character
//! bigrams, English stems — with what it asks for, if that is a kind of fact.

use std::borrow::Cow;
use std::ops::Range;

use super::Policy;
use super::asking::Part;
use super::asks::{Ask, AskedLevels};
use super::homophone::Repair;
use super::index::{Language, PassageIndex, WeightedTerm};
use super::numeral;
use super::query::{Concept, QueryAnalyzer, Weighed};
use super::segmenter::{bigram_analyzer, english_analyzer, tokens};
use crate::text;

/// A question, analysed.
#[derive(Debug, Clone)]
pub struct Question<'a> {
    /// The text as searched: Simplified, lowercased, full-width folded, slips repaired; after its
    /// context, if it was read with one.
    pub text: String,
    /// The question itself, as searched (without its context).
    pub asked: String,
    /// The homophone slips read as policy words.
    pub repairs: Vec<Repair>,
    /// Its units of meaning.
    pub concepts: Vec<Concept>,
    /// The Chinese character bigrams of its concepts, each concept's weighing 1 in all.
    pub bigrams: Vec<WeightedTerm>,
    /// The kinds of fact it asks for (an amount, a phone number…), if any.
    pub asks: Vec<Asked<'a>>,
    /// The years the parts that ask name.
    pub years: Vec<String>,
    /// The levels of government the parts that ask name.
    pub levels: AskedLevels<'a>,
    /// The concepts (positions in `concepts`) it asks whether a list holds: 睇医生 in
    /// "28项公共服务有冇包括睇医生" (see [`Ask::names`]). A passage that lacks one does not answer.
    pub members: Vec<usize>,
    /// Whether it is written in English.
    pub english: bool,
}

/// A kind of fact a question asks for.
#[derive(Debug, Clone)]
pub struct Asked<'a> {
    /// The kind.
    pub ask: &'a Ask,
    /// The concept (a position in `concepts`) that is the cue, where the question only asks whether
    /// the policy speaks of it: "文件有没有说要提高技术工人的比例" asks whether there is a word on
    /// the share, not for a figure, so a passage naming the share answers. Empty where a question
    /// word asks for the fact itself in any part ("比例是多少") or the cue is no word of its own
    /// ("多少钱").
    pub spoken_of: Vec<usize>,
}

impl Asked<'_> {
    /// Whether `text` (a Chinese passage) states the fact, or names what a yes-or-no question asks
    /// about (`spoken_of`); `about` as for [`Ask::is_stated_in`].
    fn is_answered_in(&self, concepts: &[Concept], text: &str, about: &[&str]) -> bool {
        self.ask.is_stated_in(text, about) || self.spoken_of.iter().any(|&c| text.contains(concepts[c].label.as_str()))
    }
}

/// A question's concepts weighed against the index once, to score many passages with.
#[derive(Debug)]
pub struct Weighing<'q> {
    concepts: Vec<Weighed<'q>>,
}

impl Weighing<'_> {
    /// How much of concept `concept` (its position in the question) passage `passage` answers,
    /// from 0 to the concept's importance.
    pub fn credit(&self, index: &PassageIndex, concept: usize, passage: usize) -> f32 {
        self.concepts[concept].credit(index, passage)
    }

    /// The importance of concept `concept` (see [`Concept::importance`]).
    pub fn importance(&self, concept: usize) -> f32 {
        self.concepts[concept].importance
    }

    /// How much of the question passage `passage` answers.
    pub fn coverage(&self, index: &PassageIndex, passage: usize) -> Coverage {
        let (mut all, mut total, mut known, mut known_total) = (0.0, 0.0, 0.0, 0.0);
        for concept in &self.concepts {
            let credit = concept.credit(index, passage);
            all += credit;
            total += concept.importance;
            if concept.known {
                known += credit;
                known_total += concept.importance;
            }
        }
        let share = |part: f32, whole: f32| if whole > 0.0 { part / whole } else { 0.0 };
        Coverage { all: share(all, total), known: share(known, known_total) }
    }
}

/// How much of a question a passage answers.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Coverage {
    /// Share of the weight of every concept (an unknown word weighs most).
    pub all: f32,
    /// Share of the weight of the concepts the policy knows.
    pub known: f32,
}

impl Policy {
    /// The question in the form the index is searched with: cleaned, folded to Simplified and
    /// lowercase, with homophone slips repaired. Intent detection reads the same text.
    pub fn normalize(&self, question: &str) -> (String, Vec<Repair>) {
        self.repair(&self.fold(question))
    }

    /// The question cleaned, full-width folded, in Simplified characters and lowercase: what small
    /// talk is recognised in, and what slips are repaired in.
    pub(super) fn fold(&self, question: &str) -> String {
        self.scripts.simplify(&text::fold_width(&text::clean(question))).to_lowercase()
    }

    /// `folded` (see [`Policy::fold`]) with its homophone slips read as policy words, then its
    /// rough counts written without 几 (十几年 → 十多年). Slips first: 新八几工 is 新八级工 misheard,
    /// not a rough count.
    fn repair(&self, folded: &str) -> (String, Vec<Repair>) {
        let (repaired, repairs) = self.homophones.repair(folded, &self.segmenter.cut(folded));
        match numeral::read_rough_counts(&repaired) {
            Cow::Borrowed(_) => (repaired, repairs),
            Cow::Owned(read) => (read, repairs),
        }
    }

    /// Analyses a question, already folded (see [`Policy::fold`]), read after `context` (the
    /// previous question of a conversation, for a follow-up that does not stand on its own) if
    /// any: the context only gives context.
    pub(super) fn read(&self, folded: &str, context: Option<&str>) -> Question<'_> {
        let (asked, repairs) = self.repair(folded);
        let context = context.map(|context| self.normalize(context).0);
        let mut parts: Vec<Part<'_>> = match &context {
            Some(context) => {
                self.asks.markers.parts(context).into_iter().map(|part| Part { asks: false, ..part }).collect()
            }
            None => Vec::new(),
        };
        let own_parts = self.asks.markers.parts(&asked);
        parts.extend(&own_parts);
        let mut analyzer = QueryAnalyzer::new(
            &self.lexicon,
            &self.segmenter,
            &self.asks.focus,
            self.segmenter.chinese_analyzer(),
            english_analyzer(),
        );
        let mut concepts: Vec<Concept> = Vec::new();
        // Whether each part names nothing but how it asks ("几多？" after "会唔会俾奖金？").
        let mut bare = Vec::with_capacity(parts.len());
        // Where each part's concepts lie in `concepts`.
        let mut spans = Vec::with_capacity(parts.len());
        for part in &parts {
            let found = analyzer.concepts(part.text, part.asks);
            bare.push(found.is_empty());
            spans.push(concepts.len()..concepts.len() + found.len());
            concepts.extend(found);
        }
        // Each word counts once, however many bigrams it has: otherwise 高级技师 (three bigrams)
        // would outweigh 落户 (one) in "高级技师能落户吗". Its synonyms join (户口 → 落户), as in
        // the word signal.
        let mut bigrams: Vec<WeightedTerm> = Vec::new();
        let mut analyzer = bigram_analyzer();
        for concept in &concepts {
            let words = std::iter::once((concept.label.as_str(), 1.0))
                .chain(concept.zh.iter().filter(|term| !term.part).map(|term| (term.text.as_str(), term.weight)));
            for (word, weight) in words {
                let pairs: Vec<String> = tokens(&mut analyzer, word);
                let weight = weight / pairs.len().max(1) as f32;
                for pair in pairs {
                    match bigrams.iter_mut().find(|known| known.text == pair) {
                        Some(known) => known.weight = known.weight.max(weight),
                        None => bigrams.push(WeightedTerm::new(pair, weight)),
                    }
                }
            }
        }
        let mut asks = Vec::new();
        let mut years = Vec::new();
        let mut members = Vec::new();
        let own = parts.len() - own_parts.len();
        let own_bare = &bare[own..];
        for (at, part) in own_parts.iter().enumerate() {
            if part.asks {
                years.extend(super::asks::years(part.text));
            }
            // A bare question asks about what the part before it names: "有奖金吗？几多？" asks an amount.
            let text = match at.checked_sub(1) {
                Some(before) if part.asks && own_bare[at] => {
                    Cow::Owned(format!("{} {}", own_parts[before].text, part.text))
                }
                _ => Cow::Borrowed(part.text),
            };
            for ask in self.asks.asked(&text).into_iter().filter(|ask| part.asks || ask.in_context) {
                let cue = ask.cue_in(part.text);
                if let Some(cue) = cue.filter(|_| ask.names) {
                    let before = at.checked_sub(1).map(|before| spans[own + before].clone());
                    members.extend(members_asked(&concepts, cue, spans[own + at].clone(), before));
                }
                let spoken_of = cue.map_or_else(Vec::new, |cue| spoken_of(&concepts, cue, spans[own + at].clone()));
                match asks.iter_mut().find(|known: &&mut Asked<'_>| std::ptr::eq(known.ask, ask)) {
                    // Asked for itself in any part, the fact must be stated.
                    Some(known) if spoken_of.is_empty() => known.spoken_of.clear(),
                    Some(known) if !known.spoken_of.is_empty() => known.spoken_of.extend(spoken_of),
                    Some(_) => {}
                    None => asks.push(Asked { ask, spoken_of }),
                }
            }
        }
        let levels = self.asks.levels_asked(own_parts.iter().filter(|part| part.asks).map(|part| part.text));
        let text = match &context {
            Some(context) => format!("{context} {asked}"),
            None => asked.clone(),
        };
        let english = crate::lang::is_english(&asked);
        Question { text, asked, repairs, concepts, bigrams, asks, years, levels, members, english }
    }
}

/// The concept of `part` (positions in `concepts`) that is the whole `cue` of a kind of fact,
/// unless a question word asks about it: then the part asks whether the policy speaks of it (see
/// [`Asked::spoken_of`]).
fn spoken_of(concepts: &[Concept], cue: &str, part: Range<usize>) -> Vec<usize> {
    part.filter(|&c| concepts[c].label == cue && !concepts[c].focus).collect()
}

/// The nouns a question asks whether a list holds: those of the part with the `cue` (the cue's
/// own words aside), or where that part only points back ("电焊工算不算紧缺人才？在不在那个目录里？"),
/// those of the part `before` it. `Range`s are positions in `concepts`.
fn members_asked(concepts: &[Concept], cue: &str, part: Range<usize>, before: Option<Range<usize>>) -> Vec<usize> {
    let named = |span: Range<usize>| -> Vec<usize> {
        span.filter(|&c| concepts[c].salient && !cue.contains(concepts[c].label.as_str())).collect()
    };
    let here = named(part);
    match before {
        Some(before) if here.is_empty() => named(before),
        _ => here,
    }
}

impl Question<'_> {
    /// Whether every kind of fact the question asks for is stated in one of the Chinese passages
    /// `texts`, and they speak of the level of government it asks about, if any.
    pub fn states_asked_facts(&self, texts: &[&str]) -> bool {
        if !self.levels.are_stated_in(texts) {
            return false;
        }
        // Most questions ask for no kind of fact: then there is nothing to collect.
        if self.asks.is_empty() {
            return true;
        }
        let about = self.words();
        self.asks
            .iter()
            .filter(|asked| !asked.ask.names)
            .all(|asked| texts.iter().any(|text| asked.is_answered_in(&self.concepts, text, &about)))
    }

    /// The policy words of the question, which a fact stated near what was asked about must share
    /// a clause with. Its context counts too: in "2024年政府资助的职业培训，目标要做到几多人次" the
    /// training the count is of is named before the question.
    fn words(&self) -> Vec<&str> {
        self.concepts
            .iter()
            .flat_map(|concept| concept.zh.iter().filter(|term| !term.part).map(|term| term.text.as_str()))
            .collect()
    }

    /// The weight of each concept (see [`Concept::importance`]).
    pub fn importance(&self, index: &PassageIndex) -> Vec<f32> {
        self.concepts.iter().map(|concept| concept.importance(index)).collect()
    }

    /// The question's concepts weighed against `index` once, to score many passages with.
    pub fn weighing(&self, index: &PassageIndex, importance: &[f32]) -> Weighing<'_> {
        let concepts = self.concepts.iter().zip(importance).map(|(concept, &weight)| concept.weighed(index, weight));
        Weighing { concepts: concepts.collect() }
    }

    /// The share of the weight of the concepts `within` picks that lies in words the policy never
    /// uses: the context a person gives ("我在钢厂干了十年电焊") or a thing the policy does not speak
    /// of.
    pub fn unknown_share(&self, index: &PassageIndex, importance: &[f32], within: impl Fn(&Concept) -> bool) -> f32 {
        let picked = || self.concepts.iter().zip(importance).filter(|(c, _)| within(c));
        let total: f32 = picked().map(|(_, &w)| w).sum();
        let unknown: f32 = picked().filter(|(c, _)| !c.is_known(index)).map(|(_, &w)| w).sum();
        if total > 0.0 { unknown / total } else { 0.0 }
    }

    /// The English stems of the question (empty for a question without Latin letters).
    pub fn english_terms(&self) -> impl Iterator<Item = (Language, &WeightedTerm)> {
        self.concepts.iter().flat_map(|concept| concept.en.iter().map(|term| (Language::English, term)))
    }

    /// The Chinese word terms of the question, with synonyms and glossary terms, for `index`. A
    /// word's parts join only where the policy does not use the word whole: otherwise a passage
    /// naming 技师 four times would outrank one about what was asked.
    pub fn word_terms<'i>(&'i self, index: &'i PassageIndex) -> impl Iterator<Item = (Language, &'i WeightedTerm)> {
        self.concepts.iter().flat_map(move |concept| {
            let whole_known = concept.zh.iter().any(|term| !term.part && index.knows(Language::Chinese, &term.text));
            concept.zh.iter().filter(move |term| !(whole_known && term.part)).map(|term| (Language::Chinese, term))
        })
    }

    /// The bigram terms of the question.
    pub fn bigram_terms(&self) -> impl Iterator<Item = (Language, &WeightedTerm)> {
        self.bigrams.iter().map(|term| (Language::Bigrams, term))
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::tests::policy;

    #[test]
    fn a_question_whether_the_policy_speaks_of_a_share_is_answered_by_a_passage_naming_it() {
        let policy = policy();
        let passage = "进一步提高高技能人才在职工代表大会中的比例。";
        let spoken_of = policy.read(&policy.fold("政策有没有提到提高技术工人在职代会里的比例"), None);
        assert!(spoken_of.states_asked_facts(&[passage]), "{:?}", spoken_of.asks);
        let figure = policy.read(&policy.fold("职代会里技术工人的比例是多少"), None);
        assert!(!figure.asks.is_empty() && !figure.states_asked_facts(&[passage]), "{:?}", figure.asks);
    }

    #[test]
    fn a_passage_about_another_level_of_government_does_not_answer() {
        let policy = policy();
        let passage = "根据国家、省的部署，每年7月份前完成国家级高技能人才培训基地和技能大师工作室推荐申报工作。";
        let read = |question: &str| policy.read(&policy.fold(question), None);
        assert!(read("国家级技能大师工作室每年几月前申报？").states_asked_facts(&[passage]));
        assert!(!read("省级技能大师工作室每年几月前申报？").states_asked_facts(&[passage]));
        assert!(!read("When is the deadline for a provincial-level master studio?").states_asked_facts(&[passage]));
        // A passage that names no level speaks of every one.
        assert!(read("省级技能大师工作室有什么支持？").states_asked_facts(&["支持技能大师工作室建设。"]));
    }
}
