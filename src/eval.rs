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
        if let Considered::Candidate { answer, features, .. } = policy.consider(&item.question, Lang::Zh)? {
            let right = item.found && judge(item, &answer).is_none();
            samples.push((item.id.clone(), Sample { features, answer: right }));
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
        Answer { question: String::new(), lang: Lang::Zh, found, answer: text.to_owned(), sources: Vec::new() }
    }

    fn item(found: bool, expect: &[&[&str]]) -> EvalItem {
        EvalItem {
            id: "x".into(),
            question: "q".into(),
            found,
            expect: expect.iter().map(|g| g.iter().map(|s| s.to_string()).collect()).collect(),
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
