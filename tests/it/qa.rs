//! Answer quality on question files: the development set, and an independent set written to
//! check that retrieval generalises rather than fits the development questions.

use policybot::eval::{evaluate, parse_items};

use crate::helpers::policy;

fn report(file: &str) -> policybot::eval::Report {
    let items = parse_items(&std::fs::read_to_string(file).expect("question file")).expect("valid question file");
    evaluate(policy(), items).expect("evaluation runs")
}

#[test]
fn the_development_questions_are_answered_at_least_38_of_40_and_every_out_of_scope_one_refused() {
    let report = report(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/qa-dev.jsonl"));
    assert_eq!(report.results.len(), 40);
    let (refused, out_of_scope) = report.refusals();
    assert!(report.passed() >= 38 && refused == out_of_scope, "{report}");
}

#[test]
fn the_independent_questions_are_answered_at_least_68_of_80_and_every_out_of_scope_one_refused() {
    let report = report(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/qa-extra.jsonl"));
    assert_eq!(report.results.len(), 80);
    let (refused, out_of_scope) = report.refusals();
    assert!(report.passed() >= 68 && refused == out_of_scope, "{report}");
}
