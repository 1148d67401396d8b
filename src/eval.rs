//! Measuring answer quality on a question file (JSON lines: `question`, `found`, and `expect`
//! groups of which the answer must contain one string each).

use std::fmt;

use serde::Deserialize;

use crate::lang::Lang;
use crate::policy::decision::Sample;
use crate::policy::{Answer, Considered, Policy, PolicyError};

/// A question file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A line is not a valid item.
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
    /// Answering failed.
    #[error(transparent)]
    Policy(#[from] PolicyError),
}

/// One question with what a correct answer must do.
#[derive(Debug, Clone, Deserialize)]
pub struct EvalItem {
    /// An identifier for reports.
    #[serde(default)]
    pub id: String,
    /// The question.
    pub question: String,
    /// Whether the policy covers it.
    pub found: bool,
    /// Groups of alternatives: the answer must contain one string of every group.
    #[serde(default)]
    pub expect: Vec<Vec<String>>,
    /// The language it is written in, for figures per language.
    #[serde(default)]
    pub lang: Option<Lang>,
}

/// How a set of questions fared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Questions.
    pub questions: usize,
    /// Answered correctly (an out-of-scope question: refused).
    pub passed: usize,
    /// Questions the policy does not answer.
    pub out_of_scope: usize,
    /// Of those, refused.
    pub refused: usize,
    /// Questions the policy answers that got a passage that does not answer them.
    pub wrong_passage: usize,
}

/// The answer-or-refuse decision judged against what it should have done: a question should be
/// answered when the passage the bot would quote answers it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecisionTally {
    /// Answered, and the passage answers.
    pub right_answers: usize,
    /// Answered, but the passage does not answer (or nothing would).
    pub wrong_answers: usize,
    /// Refused, though the passage would have answered.
    pub missed: usize,
    /// Refused, and rightly.
    pub right_refusals: usize,
}

impl DecisionTally {
    /// Share of the answers given that answer: TP / (TP + FP).
    pub fn precision(&self) -> f64 {
        ratio(self.right_answers, self.right_answers + self.wrong_answers)
    }

    /// Share of the answerable questions that were answered: TP / (TP + FN).
    pub fn recall(&self) -> f64 {
        ratio(self.right_answers, self.right_answers + self.missed)
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// The outcome of one item.
#[derive(Debug, Clone)]
pub struct EvalResult {
    /// The item.
    pub item: EvalItem,
    /// The bot's answer.
    pub answer: Answer,
    /// Why it failed; `None` if it passed.
    pub failure: Option<String>,
}

/// The outcome of a whole file.
#[derive(Debug, Clone)]
pub struct Report {
    /// Every item's outcome, in file order.
    pub results: Vec<EvalResult>,
}

impl Report {
    /// Items answered correctly.
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.failure.is_none()).count()
    }

    /// Out-of-scope items, and how many of them were refused.
    pub fn refusals(&self) -> (usize, usize) {
        let out_of_scope: Vec<_> = self.results.iter().filter(|r| !r.item.found).collect();
        (out_of_scope.iter().filter(|r| !r.answer.found).count(), out_of_scope.len())
    }

    /// The failed items.
    pub fn failures(&self) -> impl Iterator<Item = &EvalResult> {
        self.results.iter().filter(|r| r.failure.is_some())
    }

    /// How the items `pick` chooses fared.
    pub fn tally(&self, pick: impl Fn(&EvalItem) -> bool) -> Tally {
        let mut tally = Tally::default();
        for result in self.results.iter().filter(|r| pick(&r.item)) {
            tally.questions += 1;
            tally.passed += usize::from(result.failure.is_none());
            if !result.item.found {
                tally.out_of_scope += 1;
                tally.refused += usize::from(!result.answer.found);
            } else if result.answer.found && result.failure.is_some() {
                tally.wrong_passage += 1;
            }
        }
        tally
    }
}

/// How the answer-or-refuse decision fared on `items`: every question it was asked about, with
/// whether the passage it would quote answers.
pub fn decision_tally(policy: &Policy, items: &[EvalItem]) -> Result<DecisionTally, EvalError> {
    let mut tally = DecisionTally::default();
    for item in items {
        if let Considered::Candidate { answer, found, .. } = policy.consider(&item.question, Lang::Zh)? {
            let right = item.found && judge(item, &answer).is_none();
            match (policy.decision().answers(&found), right) {
                (true, true) => tally.right_answers += 1,
                (true, false) => tally.wrong_answers += 1,
                (false, true) => tally.missed += 1,
                (false, false) => tally.right_refusals += 1,
            }
        }
    }
    Ok(tally)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for result in self.failures() {
            writeln!(
                f,
                "FAIL {} {}: {}",
                result.item.id,
                result.item.question,
                result.failure.as_deref().unwrap_or_default()
            )?;
            for line in result.answer.answer.lines() {
                writeln!(f, "     | {line}")?;
            }
        }
        let (refused, out_of_scope) = self.refusals();
        write!(f, "passed {}/{}; out-of-scope refused {refused}/{out_of_scope}", self.passed(), self.results.len())
    }
}

/// Reads a JSON-lines question file; blank lines are skipped.
pub fn parse_items(text: &str) -> Result<Vec<EvalItem>, EvalError> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).map_err(|err| EvalError::Line { line: index + 1, message: err.to_string() })
        })
        .collect()
}

/// Asks every question and judges the answers.
pub fn evaluate(policy: &Policy, items: Vec<EvalItem>) -> Result<Report, EvalError> {
    let mut results = Vec::with_capacity(items.len());
    for item in items {
        let answer = policy.answer(&item.question, Lang::Zh)?;
        let failure = judge(&item, &answer);
        results.push(EvalResult { item, answer, failure });
    }
    Ok(Report { results })
}

/// The calibration samples of `items`: for every question the decision is asked about, the
/// features of its best passage and whether answering with it would be right.
pub fn samples(policy: &Policy, items: &[EvalItem]) -> Result<Vec<(String, Sample)>, EvalError> {
    let mut samples = Vec::with_capacity(items.len());
    for item in items {
        if let Considered::Candidate { answer, found, .. } = policy.consider(&item.question, Lang::Zh)?
            && !found.unstated
        {
            let right = item.found && judge(item, &answer).is_none();
            samples.push((item.id.clone(), Sample { features: found.features, answer: right }));
        }
    }
    Ok(samples)
}

fn judge(item: &EvalItem, answer: &Answer) -> Option<String> {
    match (item.found, answer.found) {
        (false, false) => None,
        (false, true) => Some("answered a question the policy does not cover".to_owned()),
        (true, false) => Some("refused a question the policy covers".to_owned()),
        (true, true) => item
            .expect
            .iter()
            .find(|group| !group.iter().any(|s| answer.answer.contains(s.as_str())))
            .map(|group| format!("answer lacks one of {group:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(found: bool, text: &str) -> Answer {
        Answer {
            question: String::new(),
            lang: Lang::Zh,
            found,
            answer: text.to_owned(),
            sources: Vec::new(),
            basis: Default::default(),
        }
    }

    fn item(found: bool, expect: &[&[&str]]) -> EvalItem {
        EvalItem {
            id: "x".into(),
            question: "q".into(),
            found,
            expect: expect.iter().map(|g| g.iter().map(|s| s.to_string()).collect()).collect(),
            lang: None,
        }
    }

    #[test]
    fn every_group_needs_one_of_its_strings() {
        let expect: &[&[&str]] = &[&["出标准"], &["出岗位", "出师傅"]];
        assert_eq!(judge(&item(true, expect), &answer(true, "出标准、出师傅")), None);
        assert!(judge(&item(true, expect), &answer(true, "出标准")).is_some());
    }

    #[test]
    fn out_of_scope_items_must_be_refused() {
        assert_eq!(judge(&item(false, &[]), &answer(false, "抱歉")), None);
        assert!(judge(&item(false, &[]), &answer(true, "某条")).is_some());
        assert!(judge(&item(true, &[]), &answer(false, "抱歉")).is_some());
    }

    #[test]
    fn a_tally_counts_passes_refusals_and_wrong_passages() {
        let report = Report {
            results: [
                (item(true, &[&["A类"]]), answer(true, "A类"), None),
                (item(true, &[&["A类"]]), answer(true, "B类"), Some("lacks")),
                (item(true, &[&["A类"]]), answer(false, "抱歉"), Some("refused")),
                (item(false, &[]), answer(false, "抱歉"), None),
                (item(false, &[]), answer(true, "某条"), Some("answered")),
            ]
            .into_iter()
            .map(|(item, answer, failure)| EvalResult { item, answer, failure: failure.map(str::to_owned) })
            .collect(),
        };
        let tally = report.tally(|_| true);
        assert_eq!(tally, Tally { questions: 5, passed: 2, out_of_scope: 2, refused: 1, wrong_passage: 1 });
        assert_eq!(report.tally(|item| !item.found).questions, 2);
    }

    #[test]
    fn precision_and_recall_of_the_decision() {
        let tally = DecisionTally { right_answers: 8, wrong_answers: 2, missed: 2, right_refusals: 5 };
        assert!((tally.precision() - 0.8).abs() < 1e-9 && (tally.recall() - 0.8).abs() < 1e-9);
        assert_eq!(DecisionTally::default().precision(), 0.0);
    }

    #[test]
    fn reads_json_lines_and_names_a_bad_line() {
        let items = parse_items(
            "{\"question\":\"a\",\"found\":false}\n\n{\"question\":\"b\",\"found\":true,\"expect\":[[\"x\"]]}\n",
        )
        .unwrap();
        assert_eq!(items.len(), 2);
        let err = parse_items("{\"question\":\"a\",\"found\":false}\nnot json\n").unwrap_err();
        assert!(err.to_string().starts_with("line 2:"), "{err}");
    }
}
