//! Answer quality on question files: the development set, an independent set, and the blind sets
//! written by helpers who never saw the code or the lexicon (its tuning half and its test half).
//! The floors sit a little under the measured figures (docs/benchmarks.md): they catch a
//! regression, not a step forward.

use policybot::eval::{evaluate, parse_items};

use crate::helpers::policy;

fn report(file: &str) -> policybot::eval::Report {
    let items = parse_items(&std::fs::read_to_string(file).expect("question file")).expect("valid question file");
    evaluate(policy(), items).expect("evaluation runs")
}

#[test]
fn the_development_questions_are_answered_at_least_39_of_40_and_every_out_of_scope_one_refused() {
    let report = report(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/qa-dev.jsonl"));
    assert_eq!(report.results.len(), 40);
    let (refused, out_of_scope) = report.refusals();
    assert!(report.passed() >= 39 && refused == out_of_scope, "{report}");
}

#[test]
fn the_independent_questions_are_answered_at_least_76_of_80_and_every_out_of_scope_one_refused() {
    let report = report(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/qa-extra.jsonl"));
    assert_eq!(report.results.len(), 80);
    let (refused, out_of_scope) = report.refusals();
    assert!(report.passed() >= 76 && refused == out_of_scope, "{report}");
}

#[test]
fn the_blind_tuning_questions_stay_answered_at_their_level() {
    let report = report(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/qa-tune.jsonl"));
    let share = report.passed() as f64 / report.results.len() as f64;
    assert!(share >= 0.95, "{report}");
}

#[test]
fn the_blind_test_questions_stay_answered_at_their_level_and_rarely_with_a_wrong_passage() {
    let report = report(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/qa-test.jsonl"));
    assert_eq!(report.results.len(), 1425);
    let tally = report.tally(|_| true);
    assert!(tally.passed * 100 >= 87 * tally.questions, "{report}");
    assert!(tally.wrong_passage * 100 <= 3 * tally.questions, "{report}");
}
