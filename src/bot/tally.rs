//! Counts for the console's figures — how far people get in each form, how questions go, which
//! clauses answers quote — kept in memory and written together every few seconds by the turn
//! that finds them due, so that a form step costs no extra write. A crash loses at most those
//! few seconds of counts; nothing personal is counted.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::dialog::engine::{DialogState, Effect, Stage};
use crate::store::tallies::Metric;
use crate::store::tallies::mark::{ANSWERED, CONSENT, FILED, STARTED, SUMMARY};

/// Counts wait at most this long before they are written.
pub(super) const WRITE_EVERY: Duration = Duration::from_secs(5);

/// A count: what, which day (`YYYY-MM-DD`), of what.
pub type Key = (Metric, String, String);

/// Counts not yet written.
#[derive(Debug, Default)]
pub(super) struct Tallies {
    pending: Mutex<(HashMap<Key, i64>, Option<Instant>)>,
}

impl Tallies {
    /// Counts one `subject` of `metric` on `day`.
    pub(super) fn count(&self, metric: Metric, day: &str, subject: &str) {
        let mut pending = self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *pending.0.entry((metric, day.to_owned(), subject.to_owned())).or_default() += 1;
        pending.1.get_or_insert_with(Instant::now);
    }

    /// The counts to write now: all of them when `all` or when the oldest waited
    /// [`WRITE_EVERY`]; none otherwise.
    pub(super) fn take(&self, all: bool) -> Vec<(Key, i64)> {
        let mut pending = self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match pending.1 {
            Some(since) if all || since.elapsed() >= WRITE_EVERY => {
                pending.1 = None;
                pending.0.drain().collect()
            }
            _ => Vec::new(),
        }
    }

    /// Puts back counts that could not be written, to go with the next.
    pub(super) fn restore(&self, counts: Vec<(Key, i64)>) {
        let mut pending = self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for (key, count) in counts {
            *pending.0.entry(key).or_default() += count;
        }
        pending.1.get_or_insert_with(Instant::now);
    }
}

/// The marks a step of a form run made, from the state before (`old`), the state after (`new`)
/// and the engine's effects. Corrections staff asked for are not runs. A step is counted when
/// first answered (going back and forth answers nothing new); the summary when reached by a
/// new answer (not when coming back to it after an edit).
pub fn marks(old: Option<&DialogState>, new: Option<&DialogState>, effects: &[Effect]) -> Vec<String> {
    let run = new.or(old);
    if run.is_none_or(|state| state.amend.is_some()) {
        return Vec::new();
    }
    let same_run = |state: &&DialogState| new.is_none_or(|new| new.flow == state.flow);
    let old = old.filter(same_run);
    let mut marks = Vec::new();
    if old.is_none() && new.is_some() {
        marks.push(STARTED.to_owned());
    }
    if effects.contains(&Effect::Consented) {
        marks.push(CONSENT.to_owned());
    }
    let before: BTreeSet<&String> = old.map(|state| state.answers.keys().collect()).unwrap_or_default();
    let answered: Vec<&String> = match (new, effects.iter().find(|e| matches!(e, Effect::Submit { .. }))) {
        (_, Some(Effect::Submit { answers, .. })) => answers.keys().filter(|key| !before.contains(key)).collect(),
        (Some(new), _) => new.answers.keys().filter(|key| !before.contains(key)).collect(),
        (None, _) => Vec::new(),
    };
    marks.extend(answered.iter().map(|key| format!("{ANSWERED}{key}")));
    let at_summary = |state: Option<&DialogState>| state.is_some_and(|state| state.stage == Stage::Summary);
    if at_summary(new) && !at_summary(old) && (old.is_none() || !answered.is_empty()) {
        marks.push(SUMMARY.to_owned());
    }
    if effects.iter().any(|effect| matches!(effect, Effect::Submit { .. })) {
        marks.push(FILED.to_owned());
    }
    marks
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::dialog::engine::Amendment;
    use crate::dialog::value::Value;

    fn state(stage: Stage, answered: &[&str]) -> DialogState {
        DialogState {
            flow: "tax-guidance".into(),
            stage,
            answers: answered.iter().map(|key| ((*key).to_owned(), Value::Text("x".into()))).collect(),
            trail: answered.iter().map(|key| (*key).to_owned()).collect(),
            ticked: Vec::new(),
            amend: None,
        }
    }

    fn ask(step: &str) -> Stage {
        Stage::Ask(step.to_owned())
    }

    #[test]
    fn a_run_is_counted_from_start_through_each_new_answer_to_the_filing() {
        let started = state(Stage::Consent("name".into()), &[]);
        assert_eq!(marks(None, Some(&started), &[]), ["started"]);
        let asking = state(ask("name"), &[]);
        assert_eq!(marks(Some(&started), Some(&asking), &[Effect::Consented]), ["consent"]);
        let named = state(ask("phone"), &["name"]);
        assert_eq!(marks(Some(&asking), Some(&named), &[]), ["answered:name"]);
        let back = state(ask("name"), &["name"]);
        assert!(marks(Some(&named), Some(&back), &[]).is_empty(), "going back answers nothing new");
        let summary = state(Stage::Summary, &["name", "phone"]);
        assert_eq!(marks(Some(&named), Some(&summary), &[]), ["answered:phone", "summary"]);
        let editing = state(ask("phone"), &["name", "phone"]);
        assert!(marks(Some(&summary), Some(&editing), &[]).is_empty());
        assert!(marks(Some(&editing), Some(&summary), &[]).is_empty(), "back at the summary after an edit");
        let answers: BTreeMap<String, Value> = summary.answers.clone();
        let filed = marks(Some(&summary), None, &[Effect::Submit { answers, tier: None }]);
        assert_eq!(filed, ["filed"]);
    }

    #[test]
    fn a_correction_staff_asked_for_is_no_run() {
        let mut correcting = state(ask("phone"), &["name", "phone"]);
        correcting.amend = Some(Amendment { reference: "ZJ-TAX-2026-000001".into(), fields: vec!["phone".into()] });
        assert!(marks(None, Some(&correcting), &[]).is_empty());
    }

    #[test]
    fn counts_wait_until_due_and_come_back_after_a_failed_write() {
        let tallies = Tallies::default();
        tallies.count(Metric::Question, "2026-11-23", "refused");
        tallies.count(Metric::Question, "2026-11-23", "refused");
        assert!(tallies.take(false).is_empty(), "not due yet");
        let taken = tallies.take(true);
        assert_eq!(taken, [((Metric::Question, "2026-11-23".to_owned(), "refused".to_owned()), 2)]);
        tallies.restore(taken);
        assert_eq!(tallies.take(true).len(), 1);
        assert!(tallies.take(true).is_empty());
    }
}
