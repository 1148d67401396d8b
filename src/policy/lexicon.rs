//! The words around the policy text: extra dictionary words, question filler, colloquial
//! synonyms (`synonyms.toml`) and the English glossary (`glossary.toml`) that maps English
//! questions onto the Chinese index.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};

use serde::Deserialize;
use tantivy::tokenizer::TextAnalyzer;

use super::PolicyError;
use super::segmenter::{english_analyzer, tokens, tokens_and_words};

/// File name of the Chinese synonyms in the corpus directory.
pub const SYNONYMS_FILE: &str = "synonyms.toml";
/// File name of the English glossary in the corpus directory.
pub const GLOSSARY_FILE: &str = "glossary.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSynonyms {
    words: Vec<String>,
    filler: Vec<String>,
    synonyms: BTreeMap<String, Vec<String>>,
    broader: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGlossary {
    filler: Vec<String>,
    #[serde(default)]
    shorthand: BTreeMap<String, String>,
    terms: BTreeMap<String, Vec<String>>,
}

/// The vocabulary that connects how people ask with how the policy is written.
#[derive(Debug, Clone)]
pub struct Lexicon {
    dictionary: Vec<String>,
    filler: FxHashSet<String>,
    synonyms: FxHashMap<String, Vec<String>>,
    broader: FxHashMap<String, Vec<String>>,
    english_filler: EnglishFiller,
    glossary: FxHashMap<Vec<String>, Vec<String>>,
    longest_phrase: usize,
    /// The glossary's phrases of two or more content words by those words alone ("start a
    /// business" as start, business), so that a question's filler between them does not hide
    /// them ("start my own business", "start business").
    loose: FxHashMap<Vec<String>, Vec<String>>,
    longest_loose: usize,
    /// Chat shorthand ("govt", "certs") by what it stands for: (stem, word).
    shorthand: FxHashMap<String, (String, String)>,
}

/// The most filler words a question may put between two content words of a phrase.
const FILLER_GAP: usize = 2;

/// English words that say how something is asked, not what it is about. A word is filler when
/// it is listed, or when it is an inflection of a listed word (looks, happened): its stem is a
/// listed word's and it is at most a few letters longer than that stem. A derivation that shares
/// the stem is not ("allowance" is about money; "allowed" is how one asks).
#[derive(Debug, Clone, Default)]
struct EnglishFiller {
    words: FxHashSet<String>,
    stems: FxHashSet<String>,
}

/// The most letters an inflection adds to its stem (-ing, -ies).
const INFLECTION_LETTERS: usize = 3;

impl EnglishFiller {
    fn add(&mut self, analyzer: &mut TextAnalyzer, words: &str) {
        for (stem, word) in tokens_and_words(analyzer, words) {
            self.stems.insert(stem);
            self.words.insert(word);
        }
    }

    fn contains(&self, stem: &str, word: &str) -> bool {
        self.words.contains(word)
            || (self.stems.contains(stem) && word.chars().count() <= stem.chars().count() + INFLECTION_LETTERS)
    }
}

/// An English phrase of a question and the Chinese policy terms it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct GlossaryMatch {
    /// The stemmed words of the phrase.
    pub stems: Vec<String>,
    /// The Chinese terms it maps to (empty for a word the glossary does not know).
    pub terms: Vec<String>,
}

impl Lexicon {
    /// Reads `synonyms.toml` and `glossary.toml`.
    pub fn parse(synonyms: &str, glossary: &str) -> Result<Self, PolicyError> {
        let raw: RawSynonyms = toml::from_str(synonyms).map_err(|err| PolicyError::toml(SYNONYMS_FILE, &err))?;
        let raw_glossary: RawGlossary =
            toml::from_str(glossary).map_err(|err| PolicyError::toml(GLOSSARY_FILE, &err))?;
        let mut english = english_analyzer();
        let mut english_filler = EnglishFiller::default();
        raw_glossary.filler.iter().for_each(|words| english_filler.add(&mut english, words));
        let mut glossary = FxHashMap::default();
        for (key, terms) in raw_glossary.terms {
            let stems = tokens(&mut english, &key);
            if stems.is_empty() {
                return Err(PolicyError::Lexicon { file: GLOSSARY_FILE, message: format!("key {key:?} has no words") });
            }
            if let Some(previous) = glossary.insert(stems, terms) {
                return Err(PolicyError::Lexicon {
                    file: GLOSSARY_FILE,
                    message: format!("key {key:?} stems to the same words as another key (mapping to {previous:?})"),
                });
            }
        }
        let mut shorthand = FxHashMap::default();
        for (short, full) in raw_glossary.shorthand {
            let [(stem, word)]: [(String, String); 1] =
                tokens_and_words(&mut english, &full).try_into().map_err(|_| PolicyError::Lexicon {
                    file: GLOSSARY_FILE,
                    message: format!("shorthand {short:?} is not for one word"),
                })?;
            shorthand.insert(short, (stem, word));
        }
        let longest_phrase = glossary.keys().map(Vec::len).max().unwrap_or(0);
        let mut loose: FxHashMap<Vec<String>, Vec<String>> = FxHashMap::default();
        // Phrases without filler first: where two phrases have the same content words, the one
        // written so wins.
        let mut keys: Vec<(bool, &Vec<String>, Vec<String>)> = Vec::new();
        for key in glossary.keys() {
            let content: Vec<String> =
                key.iter().filter(|stem| !english_filler.contains(stem, stem)).cloned().collect();
            if content.len() >= 2 {
                keys.push((content.len() < key.len(), key, content));
            }
        }
        keys.sort();
        for (_, key, content) in keys {
            loose.entry(content).or_insert_with(|| glossary[key].clone());
        }
        let longest_loose = loose.keys().map(Vec::len).max().unwrap_or(0);
        Ok(Self {
            dictionary: raw.words,
            filler: raw.filler.into_iter().collect(),
            synonyms: raw.synonyms.into_iter().collect(),
            broader: raw.broader.into_iter().collect(),
            english_filler,
            glossary,
            longest_phrase,
            loose,
            longest_loose,
            shorthand,
        })
    }

    /// Extra words for the segmenter's dictionary: the policy terms, and the colloquial words
    /// with a mapping, so that they are read whole (技术工人, not 技术 + 工人).
    pub fn dictionary(&self) -> impl Iterator<Item = &str> {
        // Filler is cut whole too, or it is not recognised: 系咪 would leave 咪 as a word.
        let filler = self.filler.iter().filter(|word| word.chars().count() > 1);
        self.dictionary.iter().chain(self.synonyms.keys()).chain(self.broader.keys()).chain(filler).map(String::as_str)
    }

    /// Treats `zh` and `en` (the city's own name) as filler: every sentence of the city's policy
    /// is about the city, so its name tells nothing about which sentence answers.
    pub fn add_filler(&mut self, zh: &str, en: &str) {
        self.filler.insert(zh.to_lowercase());
        self.english_filler.add(&mut english_analyzer(), en);
    }

    /// The question filler that is one character (啲, 嘅, 咗): function characters of the way
    /// people write, Cantonese included, which the segmenter's Mandarin dictionary does not know.
    pub fn filler_characters(&self) -> impl Iterator<Item = char> + '_ {
        self.filler.iter().filter_map(|word| {
            let mut chars = word.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Some(c),
                _ => None,
            }
        })
    }

    /// Whether a (lowercased) Chinese word is question filler.
    pub fn is_filler(&self, word: &str) -> bool {
        self.filler.contains(word)
    }

    /// The policy terms a colloquial word stands for.
    pub fn synonyms(&self, word: &str) -> &[String] {
        self.synonyms.get(word).map_or(&[], Vec::as_slice)
    }

    /// The broader policy terms a narrower word falls under.
    pub fn broader(&self, word: &str) -> &[String] {
        self.broader.get(word).map_or(&[], Vec::as_slice)
    }

    /// Reads an English text as glossary phrases, longest first, and the remaining content words
    /// (stemmed); filler words are dropped.
    pub fn match_english(&self, analyzer: &mut TextAnalyzer, text: &str) -> Vec<GlossaryMatch> {
        let (stems, words): (Vec<String>, Vec<String>) = tokens_and_words(analyzer, text)
            .into_iter()
            .map(|(stem, word)| self.shorthand.get(&word).cloned().unwrap_or((stem, word)))
            .unzip();
        let filler: Vec<bool> =
            stems.iter().zip(&words).map(|(stem, word)| self.english_filler.contains(stem, word)).collect();
        let mut matches = Vec::new();
        let mut start = 0;
        while start < stems.len() {
            let exact = (1..=self.longest_phrase.min(stems.len() - start))
                .rev()
                .find_map(|len| self.glossary.get(&stems[start..start + len]).map(|terms| (len, terms)));
            let content_in = |len: usize| filler[start..start + len].iter().filter(|&&f| !f).count();
            let loose = self.loose_match(&stems, &filler, start);
            match (exact, loose) {
                (exact, Some((end, content, terms)))
                    if exact.is_none_or(|(len, _)| content.len() > content_in(len)) =>
                {
                    matches.push(GlossaryMatch { stems: content, terms: terms.clone() });
                    start = end;
                }
                (Some((len, terms)), _) => {
                    matches.push(GlossaryMatch { stems: stems[start..start + len].to_vec(), terms: terms.clone() });
                    start += len;
                }
                (None, _) => {
                    if !filler[start] {
                        matches.push(GlossaryMatch { stems: vec![stems[start].clone()], terms: Vec::new() });
                    }
                    start += 1;
                }
            }
        }
        matches
    }

    /// The longest glossary phrase whose content words start at `start` with at most
    /// [`FILLER_GAP`] filler words between each two: where it ends, its content words and terms.
    fn loose_match(
        &self,
        stems: &[String],
        filler: &[bool],
        start: usize,
    ) -> Option<(usize, Vec<String>, &Vec<String>)> {
        if filler[start] {
            return None;
        }
        let mut content = vec![start];
        let mut at = start + 1;
        while content.len() < self.longest_loose
            && at < stems.len()
            && at - content[content.len() - 1] <= FILLER_GAP + 1
        {
            if !filler[at] {
                content.push(at);
            }
            at += 1;
        }
        (2..=content.len()).rev().find_map(|len| {
            let key: Vec<String> = content[..len].iter().map(|&i| stems[i].clone()).collect();
            self.loose.get(&key).map(|terms| (content[len - 1] + 1, key, terms))
        })
    }

    /// The policy terms the lexicon maps colloquial words and English phrases onto (each occurs
    /// in the policy text, as `policybot check` makes sure).
    pub fn policy_terms(&self) -> impl Iterator<Item = &str> {
        self.synonyms.values().chain(self.broader.values()).chain(self.glossary.values()).flatten().map(String::as_str)
    }

    /// Policy terms on the right-hand side of `synonyms.toml` and `glossary.toml` (and the
    /// dictionary words) that do not occur in `policy_text`: each is a mapping that can never
    /// find anything.
    pub fn unknown_terms(&self, policy_text: &str) -> Vec<String> {
        let mut problems = Vec::new();
        let mut report = |file: &str, key: &str, term: &str| {
            if !policy_text.contains(term) {
                problems.push(format!("{file}: {key:?} → {term:?} does not occur in the policy text"));
            }
        };
        for word in &self.dictionary {
            report(SYNONYMS_FILE, "words", word);
        }
        for (file, map) in [(SYNONYMS_FILE, &self.synonyms), (SYNONYMS_FILE, &self.broader)] {
            for (key, terms) in map {
                terms.iter().for_each(|term| report(file, key, term));
            }
        }
        for (stems, terms) in &self.glossary {
            terms.iter().for_each(|term| report(GLOSSARY_FILE, &stems.join(" "), term));
        }
        problems.sort();
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYNONYMS: &str = r#"
        words = ["人才公寓"]
        filler = ["怎么", "吗"]
        [synonyms]
        "户口" = ["落户"]
        "孩子" = ["子女"]
        [broader]
        "高级技师" = ["高技能人才"]
    "#;
    const GLOSSARY: &str = r#"
        filler = ["how", "do", "i", "a", "for", "allow", "look"]
        [terms]
        "talent apartment" = ["人才公寓"]
        "apartment" = ["住房"]
        "visa" = ["签证"]
    "#;

    fn lexicon() -> Lexicon {
        Lexicon::parse(SYNONYMS, GLOSSARY).unwrap()
    }

    #[test]
    fn expands_colloquial_words_to_policy_terms() {
        let lexicon = lexicon();
        assert_eq!(lexicon.synonyms("户口"), ["落户"]);
        assert_eq!(lexicon.synonyms("孩子"), ["子女"]);
        assert_eq!(lexicon.broader("高级技师"), ["高技能人才"]);
        assert!(lexicon.synonyms("落户").is_empty());
        assert!(lexicon.is_filler("怎么") && !lexicon.is_filler("落户"));
    }

    #[test]
    fn english_phrases_match_longest_first_whatever_their_inflection() {
        let matches = lexicon().match_english(&mut english_analyzer(), "How do I apply for Talent Apartments?");
        let read: Vec<_> = matches.iter().map(|m| (m.stems.join(" "), m.terms.clone())).collect();
        assert_eq!(read, [("appli".to_owned(), vec![]), ("talent apart".to_owned(), vec!["人才公寓".to_owned()])]);
    }

    #[test]
    fn filler_inflections_are_dropped_but_not_words_derived_from_filler() {
        let matches = lexicon().match_english(&mut english_analyzer(), "Looking for allowances, allowed?");
        let read: Vec<_> = matches.iter().map(|m| m.stems.join(" ")).collect();
        assert_eq!(read, ["allow"]);
    }

    #[test]
    fn a_phrase_is_found_through_filler_between_its_words() {
        let glossary = "filler = [\"i\", \"a\", \"my\", \"own\", \"to\", \"want\"]\n[terms]\n\"start a business\" = [\"创业\"]\n\"business\" = [\"企业\"]\n";
        let lexicon = Lexicon::parse(SYNONYMS, glossary).unwrap();
        let read = |text: &str| {
            let matches = lexicon.match_english(&mut english_analyzer(), text);
            matches.into_iter().map(|m| (m.stems.join(" "), m.terms)).collect::<Vec<_>>()
        };
        assert_eq!(read("i want to start my own business"), [("start busi".to_owned(), vec!["创业".to_owned()])]);
        assert_eq!(read("start business"), [("start busi".to_owned(), vec!["创业".to_owned()])]);
        // More than two filler words apart, the words are no phrase.
        assert_eq!(
            read("start a my own business"),
            [("start".to_owned(), vec![]), ("busi".to_owned(), vec!["企业".to_owned()])]
        );
    }

    #[test]
    fn chat_shorthand_is_read_as_the_word_it_stands_for() {
        let glossary = "filler = []\n[shorthand]\ngovt = \"government\"\n[terms]\n\"government\" = [\"政府\"]\n";
        let lexicon = Lexicon::parse(SYNONYMS, glossary).unwrap();
        let matches = lexicon.match_english(&mut english_analyzer(), "govt");
        let read: Vec<_> = matches.into_iter().map(|m| (m.stems.join(" "), m.terms)).collect();
        assert_eq!(read, [("govern".to_owned(), vec!["政府".to_owned()])]);
        let two_words = "filler = []\n[shorthand]\nhr = \"human resources\"\n[terms]\n";
        assert!(Lexicon::parse(SYNONYMS, two_words).is_err());
    }

    #[test]
    fn one_character_filler_is_a_function_character() {
        assert_eq!(lexicon().filler_characters().collect::<Vec<_>>(), ['吗']);
    }

    #[test]
    fn reports_mappings_to_terms_the_policy_never_uses() {
        let problems = lexicon().unknown_terms("人才公寓 落户 子女 高技能人才 住房");
        assert_eq!(problems, ["glossary.toml: \"visa\" → \"签证\" does not occur in the policy text"]);
    }

    #[test]
    fn a_malformed_file_is_named_in_the_error() {
        let err = Lexicon::parse("words = 3", GLOSSARY).unwrap_err();
        assert!(err.to_string().starts_with("synonyms.toml:"), "{err}");
    }
}
