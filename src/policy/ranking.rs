//! Ranking passages for a question by several signals at once: BM25 over jieba words (synonyms
//! and glossary terms join as boosts), BM25 over character bigrams (which survive segmentation
//! errors and typos), BM25 over the English translation, BM25 over the questions each passage is
//! known to answer in everyday words, and how much of the question's concepts a passage covers —
//! fused by reciprocal rank, so that no single signal is the only door.

use rustc_hash::FxHashMap;

use super::PolicyError;
use super::anticipated::Anticipated;
use super::index::{Hit, PassageIndex};
use super::question::{Coverage, Question, Weighing};

/// How many signals are fused.
pub const SIGNALS: usize = 5;
/// How many passages each BM25 signal proposes.
const CANDIDATES: usize = 20;
/// Reciprocal rank fusion's constant: how much the first places count more than the later ones.
/// Small, because the corpus is small and only the first few places of a list mean anything.
const FUSION_K: f32 = 10.0;
/// How much each signal's list counts in the fusion.
const SIGNAL_WEIGHTS: [f32; SIGNALS] = [0.5, 1.0, 0.5, 1.5, 2.5];
/// A passage with a fused score at least the first share of the leader's that covers the second
/// times as much of the question leads instead: the closer the scores, the less it must cover.
const DOMINANT: [(f32, f32); 2] = [(0.9, 2.0), (0.97, 1.3)];

/// A passage with what each signal thinks of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// Index into `Document::passages`.
    pub passage: usize,
    /// The fused score: the sum of 1 / (k + place) over the signals that list it.
    pub fused: f32,
    /// How much of the question it covers.
    pub coverage: Coverage,
    /// Its place (from 0) in each signal's list — words, bigrams, English, anticipated questions,
    /// coverage — if listed.
    pub places: [Option<usize>; SIGNALS],
}

/// The passages for a question, best first.
#[derive(Debug, Clone, Default)]
pub struct Ranking {
    /// The candidates, by fused score.
    pub ranked: Vec<Ranked>,
}

/// Ranks the passages for `question`, whose concepts are weighed by `weighing`.
pub fn rank(
    index: &PassageIndex,
    anticipated: &Anticipated,
    question: &Question<'_>,
    weighing: &Weighing<'_>,
) -> Result<Ranking, PolicyError> {
    let searched: [Vec<Hit>; 4] = [
        index.search(question.word_terms(index), CANDIDATES)?,
        index.search(question.bigram_terms(), CANDIDATES)?,
        index.search(question.english_terms(), CANDIDATES)?,
        anticipated.search(question, CANDIDATES)?,
    ];
    let mut coverage: FxHashMap<usize, Coverage> = FxHashMap::default();
    for hit in searched.iter().flatten() {
        coverage.entry(hit.passage).or_insert_with(|| weighing.coverage(index, hit.passage));
    }
    let mut by_coverage: Vec<(usize, Coverage)> =
        coverage.iter().filter(|(_, c)| c.all > 0.0).map(|(&p, &c)| (p, c)).collect();
    by_coverage.sort_by(|(pa, a), (pb, b)| b.all.total_cmp(&a.all).then(b.known.total_cmp(&a.known)).then(pa.cmp(pb)));
    let lists: [Vec<usize>; SIGNALS] = [
        searched[0].iter().map(|hit| hit.passage).collect(),
        searched[1].iter().map(|hit| hit.passage).collect(),
        searched[2].iter().map(|hit| hit.passage).collect(),
        searched[3].iter().map(|hit| hit.passage).collect(),
        by_coverage.iter().map(|(passage, _)| *passage).collect(),
    ];
    let mut ranked: Vec<Ranked> = coverage
        .into_iter()
        .map(|(passage, coverage)| {
            let places = [0, 1, 2, 3, 4].map(|signal| lists[signal].iter().position(|&p| p == passage));
            let fused = places
                .iter()
                .zip(SIGNAL_WEIGHTS)
                .filter_map(|(place, weight)| place.map(|place| weight / (FUSION_K + 1.0 + place as f32)))
                .sum();
            Ranked { passage, fused, coverage, places }
        })
        .collect();
    ranked.sort_by(|a, b| b.fused.total_cmp(&a.fused).then(a.passage.cmp(&b.passage)));
    // Places say how a passage ranks, not by how much: when the runner-up covers the question
    // twice as well as the leader and the signals rate it nearly as high, it answers and the
    // leader only shares words (一试双证 "考一次拿两个证" against a sentence on 证书).
    if let Some(first) = ranked.first() {
        let dominant = ranked
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, r)| {
                DOMINANT.iter().any(|&(close, covers)| {
                    r.fused >= close * first.fused && r.coverage.all >= covers * first.coverage.all
                })
            })
            .max_by(|(_, a), (_, b)| a.coverage.all.total_cmp(&b.coverage.all))
            .map(|(at, _)| at);
        if let Some(at) = dominant {
            let leader = ranked.remove(at);
            ranked.insert(0, leader);
        }
    }
    for candidate in ranked.iter().take(5) {
        tracing::trace!(passage = candidate.passage, fused = candidate.fused, places = ?candidate.places, coverage = ?candidate.coverage, "candidate");
    }
    Ok(Ranking { ranked })
}
