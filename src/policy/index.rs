//! The search index over the policy's passages: a tantivy index in RAM (Chinese text segmented
//! by jieba and cut into character bigrams, English translation stemmed, clause titles), plus each
//! passage's set of terms and the terms' document frequencies, which the answer ranking uses to
//! judge coverage.

use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, TantivyDocument, Term};

use super::PolicyError;
use super::document::Document;
use super::segmenter::{BIGRAMS, CHINESE, ENGLISH, Segmenter, bigram_analyzer, english_analyzer, tokens};
use super::translation::Translation;

/// Which analysis of the text a term is looked up in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// The Chinese policy text as words (jieba tokens).
    Chinese,
    /// The English translation (stems).
    English,
    /// The Chinese policy text as character bigrams.
    Bigrams,
}

impl Language {
    const ALL: [Self; 3] = [Self::Chinese, Self::English, Self::Bigrams];
}

/// A weighted search term.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedTerm {
    /// The token as the index holds it.
    pub text: String,
    /// How much it counts (1 for the word asked, less for its parts and broader terms).
    pub weight: f32,
    /// Whether it is a dictionary part of a longer word of the question (人才 of 人才公寓): a
    /// way to find the word where the policy does not use it whole.
    pub part: bool,
}

impl WeightedTerm {
    /// A term that is not a part of a longer word.
    pub fn new(text: impl Into<String>, weight: f32) -> Self {
        Self { text: text.into(), weight, part: false }
    }
}

/// Clause titles count for less than the passage itself when matching.
const TITLE_WEIGHT: f32 = 0.3;
/// Writer memory: the smallest budget tantivy accepts; the corpus is tiny.
const WRITER_MEMORY: usize = 15_000_000;

#[derive(Debug, Clone, Copy)]
struct Fields {
    passage: Field,
    zh: Field,
    en: Field,
    bigrams: Field,
    title_zh: Field,
    title_en: Field,
}

impl Fields {
    /// The passage's field and its clause title's (if titles are searched) for `language`.
    fn of(&self, language: Language) -> (Field, Option<Field>) {
        match language {
            Language::Chinese => (self.zh, Some(self.title_zh)),
            Language::English => (self.en, Some(self.title_en)),
            Language::Bigrams => (self.bigrams, None),
        }
    }
}

/// The terms of one passage and of its clause title in each analysis, for coverage checks.
#[derive(Debug, Default)]
struct PassageTerms {
    text: [FxHashSet<String>; 3],
    title: [FxHashSet<String>; 3],
}

/// The passages of a document, searchable.
pub struct PassageIndex {
    reader: IndexReader,
    /// The passage of each document, by segment and document id: read from the `passage` column
    /// once, as the index never changes after it is built.
    passage_of: Vec<Vec<usize>>,
    fields: Fields,
    terms: Vec<PassageTerms>,
    // A fast hash: these are looked up for every term of a question against every candidate passage.
    frequencies: [FxHashMap<String, u32>; 3],
    /// Every term of any clause title.
    title_terms: [FxHashSet<String>; 3],
}

impl std::fmt::Debug for PassageIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PassageIndex").field("passages", &self.terms.len()).finish()
    }
}

/// A passage found by a search, identified by its position in the document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Index into `Document::passages`.
    pub passage: usize,
    /// tantivy's BM25 score.
    pub score: f32,
}

/// A text to index: its Chinese and English versions and the titles of its clause.
#[derive(Debug, Clone, Copy, Default)]
pub struct Indexed<'a> {
    /// The Chinese text.
    pub zh: &'a str,
    /// The English text.
    pub en: &'a str,
    /// The Chinese clause title.
    pub title_zh: &'a str,
    /// The English clause title.
    pub title_en: &'a str,
}

impl PassageIndex {
    /// Indexes every passage of `document` with its English translation and clause titles.
    pub fn build(document: &Document, translation: &Translation, segmenter: &Segmenter) -> Result<Self, PolicyError> {
        let texts: Vec<Indexed<'_>> = document
            .passages
            .iter()
            .map(|passage| {
                let en = translation.sentence(passage.clause, passage.ordinal).unwrap_or_default();
                let (title_zh, title_en) = match document.clause(passage.clause) {
                    Some(clause) => (clause.title.as_str(), translation.clause(clause.number).unwrap_or_default()),
                    None => ("", ""),
                };
                Indexed { zh: &passage.text, en, title_zh, title_en }
            })
            .collect();
        Self::of_texts(&texts, segmenter)
    }

    /// Indexes `texts`; a hit's `passage` is its position in `texts`.
    pub fn of_texts(texts: &[Indexed<'_>], segmenter: &Segmenter) -> Result<Self, PolicyError> {
        let mut schema = Schema::builder();
        let text = |tokenizer: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(IndexRecordOption::WithFreqs),
            )
        };
        let fields = Fields {
            passage: schema.add_u64_field("passage", FAST),
            zh: schema.add_text_field("zh", text(CHINESE)),
            en: schema.add_text_field("en", text(ENGLISH)),
            bigrams: schema.add_text_field("bigrams", text(BIGRAMS)),
            title_zh: schema.add_text_field("title_zh", text(CHINESE)),
            title_en: schema.add_text_field("title_en", text(ENGLISH)),
        };
        let index = Index::create_in_ram(schema.build());
        let mut analyzers = [segmenter.chinese_analyzer(), english_analyzer(), bigram_analyzer()];
        for (name, analyzer) in [CHINESE, ENGLISH, BIGRAMS].into_iter().zip(&analyzers) {
            index.tokenizers().register(name, analyzer.clone());
        }

        // One thread, one commit: one segment, documents in passage order.
        let mut writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let mut terms = Vec::with_capacity(texts.len());
        for (position, text) in texts.iter().enumerate() {
            let mut doc = TantivyDocument::default();
            doc.add_u64(fields.passage, position as u64);
            doc.add_text(fields.zh, text.zh);
            doc.add_text(fields.en, text.en);
            doc.add_text(fields.bigrams, text.zh);
            doc.add_text(fields.title_zh, text.title_zh);
            doc.add_text(fields.title_en, text.title_en);
            writer.add_document(doc)?;
            let [words, english, bigrams] = &mut analyzers;
            let set = |analyzer: &mut TextAnalyzer, text: &str| tokens(analyzer, text).into_iter().collect();
            terms.push(PassageTerms {
                text: [set(words, text.zh), set(english, text.en), set(bigrams, text.zh)],
                title: [set(words, text.title_zh), set(english, text.title_en), FxHashSet::default()],
            });
        }
        writer.commit()?;
        let reader = index.reader()?;
        let mut passage_of = Vec::new();
        for segment in reader.searcher().segment_readers() {
            let column = segment.fast_fields().u64("passage")?;
            let documents = (0..segment.max_doc()).map(|doc| column.first(doc).unwrap_or_default() as usize);
            passage_of.push(documents.collect());
        }
        let mut frequencies: [FxHashMap<String, u32>; 3] = Default::default();
        for passage in &terms {
            for language in Language::ALL {
                for term in &passage.text[language as usize] {
                    *frequencies[language as usize].entry(term.clone()).or_insert(0) += 1;
                }
            }
        }
        let mut title_terms: [FxHashSet<String>; 3] = Default::default();
        for passage in &terms {
            for language in Language::ALL {
                title_terms[language as usize].extend(passage.title[language as usize].iter().cloned());
            }
        }
        Ok(Self { reader, passage_of, fields, terms, frequencies, title_terms })
    }

    /// The number of passages.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether the index holds no passage.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// How specific a term is: BM25's inverse document frequency, highest for terms the policy
    /// never uses (a question about them is probably not about the policy).
    pub fn idf(&self, language: Language, term: &str) -> f32 {
        let n = self.terms.len() as f32;
        let df = self.frequencies[language as usize].get(term).copied().unwrap_or(0) as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// The specificity of a term the policy never uses.
    pub fn unknown_idf(&self) -> f32 {
        let n = self.terms.len() as f32;
        (1.0 + (n + 0.5) / 0.5).ln()
    }

    /// Whether the policy uses the term at all.
    pub fn knows(&self, language: Language, term: &str) -> bool {
        self.frequencies[language as usize].contains_key(term)
    }

    /// Whether any passage holds the term, in its text or its clause title.
    pub fn holds(&self, language: Language, term: &str) -> bool {
        self.knows(language, term) || self.title_terms[language as usize].contains(term)
    }

    /// How strongly passage `passage` contains `term`: 1 in its text, less in its clause title,
    /// 0 if absent.
    pub fn presence(&self, passage: usize, language: Language, term: &str) -> f32 {
        let terms = &self.terms[passage];
        let (text, title) = (&terms.text[language as usize], &terms.title[language as usize]);
        if text.contains(term) {
            1.0
        } else if title.contains(term) {
            TITLE_WEIGHT
        } else {
            0.0
        }
    }

    /// The best `limit` passages for the weighted terms, by BM25 over text and titles.
    pub fn search<'a>(
        &self,
        terms: impl IntoIterator<Item = (Language, &'a WeightedTerm)>,
        limit: usize,
    ) -> Result<Vec<Hit>, PolicyError> {
        // One clause per field and term: a term no document holds would match nothing, and a term
        // given twice (by two concepts) gets one clause with both boosts, which scores the same
        // (BM25 is linear in the boost) and costs tantivy one term lookup instead of two.
        let mut boosts: Vec<(Field, &str, f32)> = Vec::new();
        let mut add = |field: Field, term: &'a str, boost: f32| match boosts
            .iter_mut()
            .find(|(f, t, _)| *f == field && *t == term)
        {
            Some((.., known)) => *known += boost,
            None => boosts.push((field, term, boost)),
        };
        for (language, term) in terms {
            let (text, title) = self.fields.of(language);
            if self.frequencies[language as usize].contains_key(&term.text) {
                add(text, &term.text, term.weight);
            }
            if let Some(title) = title
                && self.title_terms[language as usize].contains(&term.text)
            {
                add(title, &term.text, term.weight * TITLE_WEIGHT);
            }
        }
        if boosts.is_empty() {
            return Ok(Vec::new());
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = boosts
            .into_iter()
            .map(|(field, term, boost)| {
                let query = TermQuery::new(Term::from_field_text(field, term), IndexRecordOption::WithFreqs);
                (Occur::Should, Box::new(BoostQuery::new(Box::new(query), boost)) as Box<dyn Query>)
            })
            .collect();
        let searcher = self.reader.searcher();
        let mut scored = searcher.search(&BooleanQuery::new(clauses), &EveryMatch)?;
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(limit);
        let passage =
            |address: tantivy::DocAddress| self.passage_of[address.segment_ord as usize][address.doc_id as usize];
        Ok(scored.into_iter().map(|(score, address)| Hit { passage: passage(address), score }).collect())
    }
}

/// Collects every matching document with its score. The index is small (a hundred passages, a few
/// thousand anticipated questions): scoring every match costs less than the pruning of a top-k
/// collector (block-max WAND sorts its term scorers at every step), which held about a quarter of
/// an answer's profile.
struct EveryMatch;

/// [`EveryMatch`] in one segment.
struct SegmentMatches {
    segment: u32,
    scored: Vec<(tantivy::Score, tantivy::DocAddress)>,
}

impl Collector for EveryMatch {
    type Fruit = Vec<(tantivy::Score, tantivy::DocAddress)>;
    type Child = SegmentMatches;

    fn for_segment(&self, segment: u32, _reader: &tantivy::SegmentReader) -> tantivy::Result<SegmentMatches> {
        Ok(SegmentMatches { segment, scored: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, segments: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        Ok(segments.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentMatches {
    type Fruit = Vec<(tantivy::Score, tantivy::DocAddress)>;

    fn collect(&mut self, doc: tantivy::DocId, score: tantivy::Score) {
        self.scored.push((score, tantivy::DocAddress::new(self.segment, doc)));
    }

    fn harvest(self) -> Self::Fruit {
        self.scored
    }
}
