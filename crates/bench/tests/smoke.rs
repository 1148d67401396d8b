//! The suite in smoke mode, through the library: every measurement runs with tiny counts, so
//! `cargo test --workspace` keeps the suite from rotting while the real figures stay out of CI.

use policybot_bench::Mode;

#[test]
fn every_measurement_runs_with_tiny_counts() {
    let findings = policybot_bench::run_all(Mode::Smoke).expect("every area runs");
    println!("{}", findings.markdown(None));

    let titles: Vec<&str> = findings.sections.iter().map(|section| section.title.as_str()).collect();
    for title in [
        "Q&A",
        "Dialogs",
        "Telegram end to end",
        "Web chat end to end",
        "Memory",
        "Q&A as the corpus grows",
        "Staff console: the application list",
    ] {
        assert!(titles.contains(&title), "no {title:?} among {titles:?}");
    }
    assert!(findings.sections.iter().all(|section| !section.rows.is_empty()), "every measurement has figures");
    assert!(findings.checks.len() >= 5, "the targets are checked: {:?}", findings.checks);
}
