//! The policy knowledge base: the corpus (policy text, English translation, synonyms, glossary,
//! tier table) loaded, indexed and asked. Transport-agnostic: no messenger code here.

pub mod answer;
pub mod anticipated;
pub mod asking;
pub mod asks;
pub mod decision;
pub mod document;
pub mod homophone;
pub mod index;
pub mod lexicon;
pub mod numeral;
pub mod query;
pub mod question;
pub mod ranking;
pub mod segmenter;
mod selection;
mod tier_answer;
pub mod tiers;
pub mod translation;

use serde::Deserialize;

pub use answer::{Answer, Basis, Considered, Source};
pub use tiers::{Tier, TierItem, TierMatch, TierTable};

use crate::assets::{AssetError, Assets};
use crate::lang::{Bilingual, LangError, Scripts, is_han};
use crate::messages::{self, City, Messages, Wording};
use crate::smalltalk::{Phrases, SMALLTALK_FILE, SmallTalk, SmallTalkError};
use anticipated::{ANTICIPATED_FILE, Anticipated, Questions};
use asks::{ASKS_FILE, Asks};
use decision::{DECISION_FILE, Decision};
use document::Document;
use homophone::Homophones;
use index::PassageIndex;
use lexicon::{GLOSSARY_FILE, Lexicon, SYNONYMS_FILE};
use segmenter::Segmenter;
use tiers::TIERS_FILE;
use translation::Translation;

/// File name of the corpus manifest.
pub const MANIFEST_FILE: &str = "corpus.toml";

/// Why the corpus could not be loaded or searched.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A corpus file is missing or unreadable.
    #[error(transparent)]
    Asset(#[from] AssetError),
    /// A line of a text file is malformed.
    #[error("{file}:{line}: {message}")]
    Corpus { file: String, line: usize, message: String },
    /// The English translation does not match the Chinese text.
    #[error("{file} is not aligned with the Chinese text:\n  {}", problems.join("\n  "))]
    Alignment { file: String, problems: Vec<String> },
    /// A TOML file is malformed.
    #[error("{file}: {message}")]
    Toml { file: String, message: String },
    /// A synonyms or glossary entry is unusable.
    #[error("{file}: {message}")]
    Lexicon { file: &'static str, message: String },
    /// The search index failed.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The Chinese script converter failed to load.
    #[error(transparent)]
    Lang(#[from] LangError),
    /// The small-talk phrases are unusable.
    #[error(transparent)]
    SmallTalk(#[from] SmallTalkError),
}

impl PolicyError {
    fn toml(file: &str, err: &toml::de::Error) -> Self {
        Self::Toml { file: file.to_owned(), message: err.to_string().trim_end().to_owned() }
    }
}

/// What the corpus is: the city, its document and how to reach staff (`corpus.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Base name of the policy files (`<document>.zh.txt`, `<document>.en.txt`).
    pub document: String,
    /// Prefix of application reference numbers.
    pub reference_prefix: String,
    /// The city's name.
    pub city: Bilingual,
    /// How citizens reach a person.
    pub contact: Bilingual,
    /// What the bot can help with.
    pub topics: Bilingual,
    /// Example questions for the greeting.
    pub examples: Examples,
}

impl Manifest {
    /// The reference prefix must be capitals and digits: references are written in capitals
    /// (ZJ-TAX-2026-000123), so that staff find one however they type it.
    fn check(&self) -> Result<(), PolicyError> {
        let prefix = &self.reference_prefix;
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            let message = format!("reference_prefix {prefix:?} must be capital letters and digits (such as ZJ)");
            return Err(PolicyError::Toml { file: MANIFEST_FILE.to_owned(), message });
        }
        Ok(())
    }
}

/// Example questions in each language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// Simplified Chinese.
    pub zh: Vec<String>,
    /// English.
    pub en: Vec<String>,
}

/// The loaded, indexed policy.
#[derive(Debug)]
pub struct Policy {
    manifest: Manifest,
    document: Document,
    translation: Translation,
    lexicon: Lexicon,
    tiers: TierTable,
    segmenter: Segmenter,
    homophones: Homophones,
    index: PassageIndex,
    anticipated: Anticipated,
    asks: Asks,
    decision: Decision,
    smalltalk: Phrases,
    scripts: Scripts,
    messages: Messages,
}

impl Policy {
    /// Loads and indexes the corpus. Fails on anything that would make answers wrong: a
    /// malformed file, a translation out of step with the Chinese text, a tier table that
    /// disagrees with its clause.
    pub fn load(assets: &Assets) -> Result<Self, PolicyError> {
        let manifest: Manifest =
            toml::from_str(&assets.read(MANIFEST_FILE)?).map_err(|err| PolicyError::toml(MANIFEST_FILE, &err))?;
        manifest.check()?;
        let chinese_file = format!("{}.zh.txt", manifest.document);
        let english_file = format!("{}.en.txt", manifest.document);
        let document = Document::parse(&chinese_file, &assets.read(&chinese_file)?)?;
        let translation = Translation::parse(&english_file, &assets.read(&english_file)?)?;
        translation.check_alignment(&english_file, &document)?;
        let mut lexicon = Lexicon::parse(&assets.read(SYNONYMS_FILE)?, &assets.read(GLOSSARY_FILE)?)?;
        lexicon.add_filler(&manifest.city.zh, &manifest.city.en);
        let tiers = TierTable::parse(&assets.read(TIERS_FILE)?)?;
        let problems = tiers.problems(&document);
        if !problems.is_empty() {
            return Err(PolicyError::Lexicon { file: TIERS_FILE, message: problems.join("; ") });
        }
        let city = City {
            title: (&document.title, &translation.title),
            topics: &manifest.topics,
            contact: &manifest.contact,
            examples: (&manifest.examples.zh, &manifest.examples.en),
        };
        // The slow parts run two at a time (the start of every process waits for them): jieba's
        // dictionary beside everything that needs no words, then the three things built over its
        // words.
        let (segmenter, read) = std::thread::scope(|scope| {
            let read = scope.spawn(|| -> Result<_, PolicyError> {
                let scripts = Scripts::new()?;
                let questions = Questions::read(&assets.read(ANTICIPATED_FILE)?, &document, &scripts)?;
                let asks = Asks::parse(&assets.read(ASKS_FILE)?)?;
                let decision = Decision::parse(&assets.read(DECISION_FILE)?)?;
                let smalltalk = Phrases::parse(&assets.read(SMALLTALK_FILE)?)?;
                let messages = Messages::parse(&assets.read(messages::FILE)?, city)
                    .map_err(|err| PolicyError::Toml { file: messages::FILE.to_owned(), message: err.to_string() })?;
                Ok((scripts, segmenter::function_characters(), questions, asks, decision, smalltalk, messages))
            });
            (Segmenter::new(lexicon.dictionary()), joined(read))
        });
        let (scripts, function, questions, asks, decision, smalltalk, messages) = read?;
        let (index, anticipated, homophones) = std::thread::scope(|scope| {
            let anticipated = scope.spawn(|| Anticipated::build(questions, &lexicon, &segmenter));
            let index = PassageIndex::build(&document, &translation, &segmenter);
            let words = policy_words(&document, &lexicon, &segmenter);
            let function = function.into_iter().chain(lexicon.filler_characters()).collect();
            let homophones = Homophones::new(words.iter().map(String::as_str), function);
            (index, joined(anticipated), homophones)
        });
        let (index, anticipated) = (index?, anticipated?);
        Ok(Self {
            manifest,
            document,
            translation,
            lexicon,
            tiers,
            segmenter,
            homophones,
            index,
            anticipated,
            asks,
            decision,
            smalltalk,
            scripts,
            messages,
        })
    }

    /// Consistency problems that do not stop the bot but make it worse: synonyms and glossary
    /// entries that point at words the policy never uses.
    pub fn problems(&self) -> Vec<String> {
        let text: String = self.document.passages.iter().map(|p| p.text.as_str()).collect();
        self.lexicon.unknown_terms(&text)
    }

    /// The small talk a message is, if it is no question about the policy (a greeting, thanks,
    /// asking for a person).
    pub fn small_talk(&self, message: &str) -> Option<SmallTalk> {
        self.smalltalk.detect(&self.fold(message))
    }

    /// The answer-or-refuse decision.
    pub fn decision(&self) -> &Decision {
        &self.decision
    }

    /// The corpus manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The Chinese document.
    pub fn document(&self) -> &Document {
        &self.document
    }

    /// The English translation.
    pub fn translation(&self) -> &Translation {
        &self.translation
    }

    /// The tier table.
    pub fn tiers(&self) -> &TierTable {
        &self.tiers
    }

    /// The Chinese script converter and language detector.
    pub fn scripts(&self) -> &Scripts {
        &self.scripts
    }

    /// The bot's own words (`messages.toml`).
    pub fn messages(&self) -> &Messages {
        &self.messages
    }
}

impl Wording for Policy {
    fn messages(&self) -> &Messages {
        &self.messages
    }

    fn scripts(&self) -> &Scripts {
        &self.scripts
    }

    fn city(&self) -> &Bilingual {
        &self.manifest.city
    }
}

/// What a scoped thread returned; its panic goes on in the thread that waits for it.
fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// A two-character word more common than this in general Chinese is not taken for a slip's
/// intended word: a slip that sounds like 进行 or 同时 is more likely a different common word.
const COMMON_WORD: u32 = 3_000;

/// The words a homophone slip is read as: the policy's own words (as jieba cuts its text), the
/// lexicon's and the policy terms it maps onto, longest first so that a long word wins a tie of
/// sound over its parts. Two-character words must be content words that are not common in general
/// Chinese (我市 and 及时 are no targets: "我是" and "技市" are not slips for them).
fn policy_words(document: &Document, lexicon: &Lexicon, segmenter: &Segmenter) -> Vec<String> {
    let mut analyzer = segmenter.chinese_analyzer();
    let mut words: Vec<String> = document
        .passages
        .iter()
        .flat_map(|passage| segmenter::tokens(&mut analyzer, &passage.text))
        .chain(lexicon.dictionary().chain(lexicon.policy_terms()).map(str::to_owned))
        .filter(|word| word.chars().count() >= 2 && word.chars().all(is_han) && !lexicon.is_filler(word))
        .collect();
    words.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then_with(|| a.cmp(b)));
    words.dedup();
    let pairs: std::collections::HashSet<&str> =
        words.iter().filter(|w| w.chars().count() == 2).map(String::as_str).collect();
    let entries = segmenter::entries(&pairs);
    let specific = |word: &String| {
        word.chars().count() > 2 || entries.get(word).is_none_or(|e| e.content && e.frequency <= COMMON_WORD)
    };
    words.into_iter().filter(specific).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The shipped policy, as production loads it.
    pub(crate) fn policy() -> Policy {
        Policy::load(&Assets::corpus(None)).expect("the shipped corpus loads")
    }

    #[test]
    fn the_shipped_corpus_loads_and_is_consistent() {
        let policy = policy();
        assert_eq!(policy.document().clauses.len(), 21);
        assert_eq!(policy.problems(), Vec::<String>::new());
    }

    #[test]
    fn a_slip_for_a_term_the_lexicon_maps_onto_is_repaired() {
        // jieba cuts the policy's 事业单位 in two, so the term comes from the lexicon (编制 → 事业单位).
        let (read, repairs) = policy().normalize("我们这种技术工人能不能考事业单为");
        assert!(read.ends_with("考事业单位"), "{read} {repairs:?}");
    }

    #[test]
    fn a_slip_is_repaired_before_rough_counts_are_read() {
        let (read, _) = policy().normalize("厂里要搞新八几工，我干了十几年");
        assert_eq!(read, "厂里要搞新八级工,我干了十多年");
    }

    #[test]
    fn a_reference_prefix_is_capitals_and_digits() {
        let mut manifest = policy().manifest().clone();
        manifest.reference_prefix = "Zj".to_owned();
        let err = manifest.check().unwrap_err();
        assert_eq!(
            err.to_string(),
            "corpus.toml: reference_prefix \"Zj\" must be capital letters and digits (such as ZJ)"
        );
        manifest.reference_prefix = "ZJ2".to_owned();
        assert!(manifest.check().is_ok());
    }

    #[test]
    fn a_corpus_directory_overrides_the_embedded_one() {
        let err = Policy::load(&Assets::corpus(Some(std::path::Path::new("/nonexistent")))).unwrap_err();
        assert_eq!(err.to_string(), "/nonexistent: missing file corpus.toml");
    }
}
