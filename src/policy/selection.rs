//! Which passages an answer quotes: the best one, with what completes it — a fragment's
//! neighbour, a neighbour that answers more of the question or states more of the fact it asks
//! for, a passage for the other half of a question that asks two things, and a runner-up the
//! signals rate nearly as high.

use super::document::Document;
use super::index::PassageIndex;
use super::question::{Question, Weighing};
use super::ranking::Ranking;

/// An answer quotes at most this many passages.
const MAX_PASSAGES: usize = 3;
/// A passage shorter than this (in characters) is a fragment that needs its neighbour.
const FRAGMENT_CHARS: usize = 20;
/// A question that asks two things gets a second passage from this many of the next best, if
/// that passage answers at least this share of the question's known weight the first does not.
const OTHER_CANDIDATES: usize = 5;
const SECOND_SHARE: f32 = 0.25;
/// A runner-up is nearly as good when its fused score is at least the first share of the best
/// one's and it covers at least the second share of what the best one covers: the closer the
/// signals rate the two, the less the coverage has to agree.
const CLOSE_RUNNER_UP: [(f32, f32); 2] = [(0.9, 0.8), (0.95, 0.5)];

/// The passages an answer quotes, in document order: the best of `ranking`, a fragment's
/// neighbour, a neighbour (same clause) that answers part of the question the best one does not,
/// a close runner-up that covers nearly as much of the question, and for a question that asks two
/// things, another good passage that answers the other.
pub fn complete(
    document: &Document,
    index: &PassageIndex,
    ranking: &Ranking,
    question: &Question<'_>,
    weighing: &Weighing<'_>,
) -> Vec<usize> {
    let (passages, concepts) = (&document.passages, &question.concepts);
    let best = ranking.ranked[0].passage;
    let answers =
        |passage: usize, concept: usize| weighing.credit(index, concept, passage) >= 0.5 * weighing.importance(concept);
    let answered = |chosen: &[usize], concept: usize| chosen.iter().any(|&passage| answers(passage, concept));
    let is_fragment = passages[best].text.chars().count() < FRAGMENT_CHARS;
    let mut chosen = vec![best];
    let neighbours = [best.checked_sub(1), Some(best + 1)];
    for neighbour in neighbours.into_iter().flatten() {
        let same_clause = passages.get(neighbour).is_some_and(|p| p.clause == passages[best].clause);
        let adds_something = || (0..concepts.len()).any(|c| answers(neighbour, c) && !answers(best, c));
        // More of the asked fact is part of the answer: for a penalty, 诚信档案 beside 限制其参加….
        let states_more = || !question.asks.is_empty() && question.states_asked_facts(&[&passages[neighbour].text]);
        if same_clause && chosen.len() < MAX_PASSAGES && (is_fragment || adds_something() || states_more()) {
            chosen.push(neighbour);
        }
    }
    // When the runner-up is nearly as good and covers nearly as much of the question, the signals
    // do not agree on one passage: quote both rather than guess.
    if let [first, second, ..] = ranking.ranked.as_slice()
        && CLOSE_RUNNER_UP.iter().any(|&(fused, coverage)| {
            second.fused >= fused * first.fused && second.coverage.all >= coverage * first.coverage.all
        })
        && !chosen.contains(&second.passage)
        && chosen.len() < MAX_PASSAGES
    {
        chosen.push(second.passage);
    }
    let known = |c: usize| concepts[c].asked && concepts[c].is_known(index);
    let known_weight: f32 = (0..concepts.len()).filter(|&c| known(c)).map(|c| weighing.importance(c)).sum();
    for candidate in ranking.ranked.iter().skip(1).take(OTHER_CANDIDATES) {
        if chosen.len() >= MAX_PASSAGES || chosen.contains(&candidate.passage) {
            continue;
        }
        let adds: f32 = (0..concepts.len())
            .filter(|&c| known(c) && !answered(&chosen, c) && answers(candidate.passage, c))
            .map(|c| weighing.importance(c))
            .sum();
        if adds >= SECOND_SHARE * known_weight {
            chosen.push(candidate.passage);
        }
    }
    chosen.sort_unstable();
    chosen
}

#[cfg(test)]
mod tests {
    use crate::lang::Lang;
    use crate::policy::tests::policy;

    #[test]
    fn a_penalty_question_quotes_every_consequence_the_clause_names() {
        let answer = policy().answer("评价机构弄虚作假会受到什么处罚？", Lang::Zh).unwrap();
        assert!(answer.answer.contains("限制其参加") && answer.answer.contains("诚信档案"), "{}", answer.answer);
    }
}
