//! The figures staff read in the console: each form's funnel (how many runs started, answered
//! each step, reached the summary, filed) and the Q&A counts (questions per day by how they went,
//! the clauses answers quote most), from the daily counts the bot core keeps.

use std::collections::BTreeMap;

use crate::dialog::Flow;
use crate::store::tallies::mark::{ANSWERED, FILED, STARTED, SUMMARY};
use crate::store::tallies::{self, Metric, Tally};
use crate::store::{Store, StoreError};

/// The counts of `metric` from day `from` to day `to` (`YYYY-MM-DD`, both included).
pub async fn read(store: &Store, metric: Metric, from: &str, to: &str) -> Result<Vec<Tally>, StoreError> {
    tallies::between(&mut *store.read().await?, metric, from, to).await
}

/// A stage of a form's funnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// What the stage is: `started`, a step's key, `summary`, `filed`.
    pub mark: String,
    /// How many runs reached it.
    pub reached: i64,
    /// How many of the previous stage's runs did not (never below zero: a run that was counted
    /// before the period began may finish in it).
    pub dropped: i64,
}

/// The funnel of `flow` from the form counts `tallies` (of every form, any days): started, each
/// step in the form's order (steps nobody answered included, optional ones too), summary, filed.
pub fn funnel(flow: &Flow, tallies: &[Tally]) -> Vec<Stage> {
    let mut totals: BTreeMap<&str, i64> = BTreeMap::new();
    let prefix = format!("{}/", flow.id);
    for tally in tallies {
        if let Some(mark) = tally.subject.strip_prefix(&prefix) {
            *totals.entry(mark).or_default() += tally.count;
        }
    }
    let steps = flow.steps.iter().map(|step| (format!("{ANSWERED}{}", step.key), step.key.clone()));
    let marks = std::iter::once((STARTED.to_owned(), STARTED.to_owned()))
        .chain(steps)
        .chain([(SUMMARY.to_owned(), SUMMARY.to_owned()), (FILED.to_owned(), FILED.to_owned())]);
    let mut previous: Option<i64> = None;
    marks
        .map(|(counted, mark)| {
            let reached = totals.get(counted.as_str()).copied().unwrap_or(0);
            let dropped = previous.map_or(0, |previous| (previous - reached).max(0));
            previous = Some(reached);
            Stage { mark, reached, dropped }
        })
        .collect()
}

/// Counts summed by subject, largest first (ties by subject), at most `limit`.
pub fn top(tallies: &[Tally], limit: usize) -> Vec<(String, i64)> {
    let mut sums: BTreeMap<&str, i64> = BTreeMap::new();
    for tally in tallies {
        *sums.entry(tally.subject.as_str()).or_default() += tally.count;
    }
    let mut sorted: Vec<(String, i64)> = sums.into_iter().map(|(subject, count)| (subject.to_owned(), count)).collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sorted.truncate(limit);
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(subject: &str, count: i64) -> Tally {
        Tally { day: "2026-11-23".into(), subject: subject.into(), count }
    }

    #[test]
    fn top_sums_days_and_keeps_the_largest() {
        let tallies = [tally("十七", 2), tally("三", 5), Tally { day: "2026-11-24".into(), ..tally("十七", 4) }];
        assert_eq!(top(&tallies, 1), [("十七".to_owned(), 6)]);
        assert_eq!(top(&tallies, 5).len(), 2);
    }
}
