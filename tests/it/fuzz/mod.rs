//! Property and fuzz tests: the field parsers, language detection, the policy answerer, flow
//! definitions, the dialog engine and the bot core on SQLite, fed with arbitrary and almost-valid
//! input. Beyond "no panic", each checks what must hold of every result: a parsed value re-parses
//! from its own display, a mask hides the identifier, and a form's state stays one the engine can
//! reach honestly (a step of the flow, answers of the right kind, a complete filing).
//!
//! Each test prints how many inputs it tried (`fuzz: <what>: N inputs`). Oddities that are not
//! failures (e.g. a script conversion that changes a text's length) are counted and printed as
//! `fuzz: <what>: finding …`.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, Days, NaiveDate};
use policybot::assets::Assets;
use policybot::bot::Sender;
use policybot::dialog::Flows;
use policybot::dialog::engine::{self, Context, DialogState, Effect, Input, Outcome, Stage};
use policybot::dialog::fields::{
    DateRules, Email, FullName, IdCardNumber, PassportNumber, PhoneNumber, Reason, parse_date, parse_integer,
    parse_text,
};
use policybot::dialog::flow::{Flow, Kind, MAX_TEXT_CHARS, NONE, Step};
use policybot::dialog::value::{FileRef, Value};
use policybot::lang::{Lang, Scripts};
use policybot::messages::Message;
use policybot::policy::TierTable;
use policybot::reply::Reply;
use policybot::store::{applications, users};
use policybot::text::{clean, fold_width, truncate};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{TestCaseError, TestRunner};

use crate::helpers::{self, STAFF_CHAT, STAFF_MEMBER, TestApp, policy, spawn_app};

mod answers;
mod bot;
mod data;
mod fields;
mod flows;
mod text;
mod values;
mod walks;

use data::*;
use fields::*;
use text::*;
use values::*;
use walks::*;

/// The settings every test shares: no regression files written next to the sources, and a bound
/// on shrinking so that a failure is reported in reasonable time.
pub(super) fn base() -> ProptestConfig {
    ProptestConfig { failure_persistence: None, max_shrink_time: 60_000, ..ProptestConfig::default() }
}

/// Runs `test` on `config.cases` values of `strategy`; `test` returns how many inputs the value
/// stood for. Panics with the (shrunk) failing value; prints the number of inputs tried.
pub(super) fn check<S: Strategy>(
    what: &str,
    config: ProptestConfig,
    strategy: S,
    test: impl Fn(S::Value) -> Result<usize, TestCaseError>,
) -> usize {
    let tried = Cell::new(0usize);
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |value| {
        let inputs = test(value)?;
        tried.set(tried.get() + inputs);
        Ok(())
    });
    REACHED.with(|reached| {
        let reached = std::mem::take(&mut *reached.borrow_mut());
        if !reached.is_empty() {
            let list: Vec<String> = reached.iter().map(|(what, count)| format!("{what} {count}")).collect();
            eprintln!("fuzz: {what}: reached: {}", list.join(", "));
        }
    });
    if let Err(error) = result {
        panic!("{what}: {error}");
    }
    eprintln!("fuzz: {what}: {} inputs", tried.get());
    tried.get()
}

thread_local! {
    /// How often a test got somewhere worth getting to (a filing, a correction), per test thread.
    static REACHED: RefCell<BTreeMap<&'static str, usize>> = RefCell::default();
}

/// Counts a place a test got to, to show that random input goes deep.
pub(super) fn reached(what: &'static str) {
    REACHED.with(|reached| *reached.borrow_mut().entry(what).or_default() += 1);
}

/// Counts of oddities that do not fail the suite, printed at the end of a test.
#[derive(Default)]
pub(super) struct Findings(RefCell<BTreeMap<&'static str, (usize, String)>>);

impl Findings {
    fn note(&self, what: &'static str, example: impl FnOnce() -> String) {
        let mut findings = self.0.borrow_mut();
        let entry = findings.entry(what).or_insert_with(|| (0, example()));
        entry.0 += 1;
    }

    fn print(&self, test: &str) {
        for (what, (count, example)) in std::mem::take(&mut *self.0.borrow_mut()) {
            eprintln!("fuzz: {test}: finding ({count}×) {what}; e.g. {example}");
        }
    }
}
