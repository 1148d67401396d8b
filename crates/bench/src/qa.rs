//! Q&A figures: answer latency in-process, index build (`Policy::load`), process start → first
//! answer of the release binary, accuracy on the dev and independent question sets, and the
//! Python peer on the same questions in the same run.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use policybot::assets::Assets;
use policybot::eval::{self, DecisionTally, EvalError, EvalItem, Report};
use policybot::lang::Lang;
use policybot::policy::{Policy, PolicyError};

use crate::peer::{self, PeerError, PeerResult};
use crate::report::{Check, Findings, Section, show_count, show_duration};
use crate::stats::Samples;
use crate::{Mode, in_repository};

/// The question sets under tests/data: the dev set the bot was tuned on, an independent one, and
/// the blind sets written by people who never saw the code or the lexicon — the tuning half the
/// decision is calibrated on, and the test half it is judged on.
pub const QUESTION_FILES: [&str; 4] = ["qa-dev.jsonl", "qa-extra.jsonl", "qa-tune.jsonl", "qa-test.jsonl"];
/// The blind test set (the last of `QUESTION_FILES`).
const TEST_FILE: &str = "qa-test.jsonl";
/// The targets on the blind test set: overall, each language, out of scope refused (shares), and
/// the most answers quoting a wrong passage.
const TEST_OVERALL_TARGET: f64 = 0.95;
const TEST_LANGUAGE_TARGET: f64 = 0.90;
const TEST_REFUSED_TARGET: f64 = 0.95;
const TEST_WRONG_PASSAGE_LIMIT: f64 = 0.02;
/// The question `policybot ask` is started with.
pub const START_QUESTION: &str = "高级技师能不能落户啊";
/// The answer latency target's 99th percentile.
const ANSWER_P99_TARGET: Duration = Duration::from_millis(1);
/// The start → first answer target.
const START_TARGET: Duration = Duration::from_millis(150);
/// Dev questions that must be answered correctly.
const DEV_ACCURACY_TARGET: usize = 38;

/// A Q&A measurement failed.
#[derive(Debug, thiserror::Error)]
pub enum QaError {
    /// A question file is unreadable.
    #[error("cannot read {0}")]
    Read(PathBuf, #[source] std::io::Error),
    /// A question file is malformed or a question could not be answered.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// The corpus does not load.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The binary to start is not built.
    #[error("no policybot binary next to {0}: build it first with `cargo build --release --workspace --bins`")]
    NoBinary(PathBuf),
    /// The binary could not be started or failed.
    #[error("`{binary} ask` failed: {problem}")]
    Ask { binary: PathBuf, problem: String },
    /// The peer failed.
    #[error("the jieba + BM25 peer")]
    Peer(#[from] PeerError),
}

/// The questions of one set.
pub fn items(file: &str) -> Result<Vec<EvalItem>, QaError> {
    let path = question_path(file);
    let text = std::fs::read_to_string(&path).map_err(|error| QaError::Read(path, error))?;
    Ok(eval::parse_items(&text)?)
}

/// Every question of every set, in file order.
pub fn questions() -> Result<Vec<String>, QaError> {
    let mut questions = Vec::new();
    for file in QUESTION_FILES {
        questions.extend(items(file)?.into_iter().map(|item| item.question));
    }
    Ok(questions)
}

fn question_path(file: &str) -> PathBuf {
    in_repository("tests/data").join(file)
}

/// Loads the corpus in `dir` (the embedded one without) `runs` times; the load times and the
/// last policy loaded.
pub fn time_loads(dir: Option<&Path>, runs: usize) -> Result<(Samples, Policy), QaError> {
    let mut times = Vec::with_capacity(runs);
    let mut policy = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        policy = Some(Policy::load(&Assets::corpus(dir))?);
        times.push(start.elapsed());
    }
    Ok((Samples::new(times), policy.expect("loaded at least once")))
}

/// Answers every question once to warm up, then `passes` more times each; per question, the
/// times of its timed answers.
pub fn time_answers(policy: &Policy, questions: &[String], passes: usize) -> Result<Vec<Vec<Duration>>, QaError> {
    for question in questions {
        black_box(policy.answer(question, Lang::Zh)?);
    }
    let mut times = vec![Vec::with_capacity(passes); questions.len()];
    for _ in 0..passes {
        for (question, times) in questions.iter().zip(&mut times) {
            let start = Instant::now();
            black_box(policy.answer(black_box(question), Lang::Zh)?);
            times.push(start.elapsed());
        }
    }
    Ok(times)
}

/// The `policybot` binary built alongside the running one: beside it (`target/release`), or one
/// level up for test and bench executables (`target/<profile>/deps`).
pub fn policybot_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    exe.ancestors().skip(1).take(2).map(|dir| dir.join("policybot")).find(|path| path.is_file())
}

/// Starts `binary ask START_QUESTION` `runs` times: process start → first answer printed.
pub fn time_starts(binary: &Path, runs: usize) -> Result<Samples, QaError> {
    let failed = |problem: String| QaError::Ask { binary: binary.to_owned(), problem };
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        // The embedded corpus, whatever the caller's environment points at.
        let output = Command::new(binary)
            .args(["ask", START_QUESTION])
            .env_remove("POLICYBOT_CORPUS")
            .output()
            .map_err(|error| failed(error.to_string()))?;
        times.push(start.elapsed());
        if !output.status.success() || output.stdout.is_empty() {
            return Err(failed(format!("{}: {}", output.status, String::from_utf8_lossy(&output.stderr).trim())));
        }
    }
    Ok(Samples::new(times))
}

/// One question set: what policybot and the peer made of it.
struct SetResult {
    file: &'static str,
    questions: usize,
    passed: usize,
    refused: (usize, usize),
    times: Samples,
    peer: Option<PeerResult>,
}

/// The blind test set in detail.
struct TestResult {
    report: Report,
    decision: DecisionTally,
}

/// The Q&A area.
pub fn measure(mode: Mode) -> Result<Findings, QaError> {
    let load_runs = mode.pick(10, 1);
    let (loads, policy) = time_loads(None, load_runs)?;
    let sets: Vec<(&'static str, Vec<EvalItem>)> =
        QUESTION_FILES.iter().map(|&file| Ok((file, items(file)?))).collect::<Result<_, QaError>>()?;
    let questions: Vec<String> = sets.iter().flat_map(|(_, items)| items.iter().map(|i| i.question.clone())).collect();
    let passes = mode.pick(20_000usize.div_ceil(questions.len()), 1);
    let times = time_answers(&policy, &questions, passes)?;
    let all = Samples::new(times.iter().flatten().copied().collect());
    let mut per_question = times.iter();

    let mut findings = Findings::default();
    let mut notes = Vec::new();
    let peer_runs = mode == Mode::Full || peer::available();
    if !peer_runs {
        notes.push("The peer was skipped: python3 with pip is not available.".to_owned());
    }
    let mut results = Vec::new();
    let mut test = None;
    for (index, (file, items)) in sets.into_iter().enumerate() {
        let set_times = Samples::new(per_question.by_ref().take(items.len()).flatten().copied().collect());
        let decision = (file == TEST_FILE).then(|| eval::decision_tally(&policy, &items)).transpose()?;
        let report = eval::evaluate(&policy, items)?;
        // Smoke runs ask the peer the dev set only: each run of it costs seconds of Python start-up.
        let peer = if peer_runs && (mode == Mode::Full || index == 0) {
            match peer::run(&in_repository("corpus"), &question_path(file), mode.pick(20, 1)) {
                Ok(peer) => Some(peer),
                // A smoke run keeps going where PyPI cannot be reached; a full run must not.
                Err(error) if mode == Mode::Smoke => {
                    notes.push(format!("The peer was skipped: {error}."));
                    None
                }
                Err(error) => return Err(error.into()),
            }
        } else {
            None
        };
        let questions = report.results.len();
        results.push(SetResult {
            file,
            questions,
            passed: report.passed(),
            refused: report.refusals(),
            times: set_times,
            peer,
        });
        if let Some(decision) = decision {
            test = Some(TestResult { report, decision });
        }
    }

    let starts = match policybot_binary() {
        Some(binary) => Some(time_starts(&binary, mode.pick(30, 2))?),
        None if mode == Mode::Smoke => {
            notes.push("Start → first answer was skipped: no policybot binary is built beside this one.".to_owned());
            None
        }
        None => return Err(QaError::NoBinary(std::env::current_exe().unwrap_or_default())),
    };

    let mut table = Section::new(
        "Q&A",
        format!(
            "policybot in-process on the {} questions of {}: each answered once to warm up, then {passes} more \
             times ({} timed calls). Index build is `Policy::load` of the embedded corpus (jieba dictionary, \
             parsing, translation check, tantivy index), {load_runs} runs. Start → first answer runs the release \
             binary, `policybot ask \"{START_QUESTION}\"`, from process start to its exit after printing the answer.",
            questions.len(),
            QUESTION_FILES.map(|file| format!("`tests/data/{file}`")).join(" and "),
            show_count((questions.len() * passes) as f64),
        ),
        &["what", "figure", "target"],
    );
    table.row([
        "answer latency in-process, p50 / p99 / max".to_owned(),
        format!("{} / {} / {}", show_duration(all.p50()), show_duration(all.p99()), show_duration(all.max())),
        "p99 ≤ 1 ms".to_owned(),
    ]);
    findings.checks.push(Check::new(
        "Q&A answer latency p99 ≤ 1 ms",
        show_duration(all.p99()),
        all.p99() <= ANSWER_P99_TARGET,
    ));
    table.row([
        "index build (`Policy::load`), p50 / max".to_owned(),
        format!("{} / {}", show_duration(loads.p50()), show_duration(loads.max())),
        String::new(),
    ]);
    if let Some(starts) = &starts {
        table.row([
            "process start → first answer, p50 / p99".to_owned(),
            format!("{} / {}", show_duration(starts.p50()), show_duration(starts.p99())),
            "≤ 150 ms (median)".to_owned(),
        ]);
        findings.checks.push(Check::new(
            "start → first answer ≤ 150 ms (median)",
            show_duration(starts.p50()),
            starts.p50() <= START_TARGET,
        ));
    }
    for (index, set) in results.iter().enumerate() {
        let (refused, out_of_scope) = set.refused;
        let target = if index == 0 { format!("≥ {DEV_ACCURACY_TARGET}/{}", set.questions) } else { String::new() };
        table.row([
            format!("accuracy, `{}`", set.file),
            format!("{}/{}, out of scope refused {refused}/{out_of_scope}", set.passed, set.questions),
            target,
        ]);
    }
    let dev = &results[0];
    findings.checks.push(Check::new(
        "accuracy on qa-dev.jsonl ≥ 38/40",
        format!("{}/{}", dev.passed, dev.questions),
        dev.passed >= DEV_ACCURACY_TARGET,
    ));
    table.notes = notes;
    findings.sections.push(table);
    if let Some(test) = &test {
        findings.sections.push(test_section(test, &mut findings.checks));
    }
    findings.sections.push(peer_section(&results, &loads));
    Ok(findings)
}

/// The blind test set per language, with the decision's precision and recall.
fn test_section(test: &TestResult, checks: &mut Vec<Check>) -> Section {
    let mut section = Section::new(
        "Q&A on the blind test set",
        format!(
            "`tests/data/{TEST_FILE}`: questions written by helpers who never read the code or the lexicon — \
             colloquial Simplified with typos and personal context, dictated messages without punctuation, Hong \
             Kong/Macau Traditional and Cantonese, English from foreign talents and HR officers, and out-of-scope \
             near misses (the topic is in the policy, the asked fact is not). Its other half, `qa-tune.jsonl`, is \
             what the decision is calibrated on (`policybot calibrate`); this half is never tuned on. A wrong \
             passage is an answer quoting a passage that does not answer a question the policy covers."
        ),
        &["language", "questions", "correct", "out of scope refused", "wrong passage", "target"],
    );
    let share = |part: usize, whole: usize| if whole == 0 { 0.0 } else { part as f64 / whole as f64 };
    let percent = |part: usize, whole: usize| format!("{part}/{whole} ({:.0}%)", 100.0 * share(part, whole));
    let languages = [(Some(Lang::Zh), "Simplified"), (Some(Lang::ZhHant), "Traditional"), (Some(Lang::En), "English")];
    for (lang, name) in languages.into_iter().chain([(None, "all")]) {
        let tally = test.report.tally(|item| lang.is_none() || item.lang == lang);
        let target = if lang.is_some() { TEST_LANGUAGE_TARGET } else { TEST_OVERALL_TARGET };
        section.row([
            name.to_owned(),
            tally.questions.to_string(),
            percent(tally.passed, tally.questions),
            percent(tally.refused, tally.out_of_scope),
            percent(tally.wrong_passage, tally.questions),
            format!("correct ≥ {:.0}%", target * 100.0),
        ]);
        checks.push(Check::new(
            &format!("blind test set, {name}: correct ≥ {:.0}%", target * 100.0),
            percent(tally.passed, tally.questions),
            share(tally.passed, tally.questions) >= target,
        ));
        if lang.is_none() {
            checks.push(Check::new(
                &format!("blind test set: out of scope refused ≥ {:.0}%", TEST_REFUSED_TARGET * 100.0),
                percent(tally.refused, tally.out_of_scope),
                share(tally.refused, tally.out_of_scope) >= TEST_REFUSED_TARGET,
            ));
            checks.push(Check::new(
                &format!("blind test set: wrong passage ≤ {:.0}%", TEST_WRONG_PASSAGE_LIMIT * 100.0),
                percent(tally.wrong_passage, tally.questions),
                share(tally.wrong_passage, tally.questions) <= TEST_WRONG_PASSAGE_LIMIT,
            ));
        }
    }
    let decision = &test.decision;
    section.note(format!(
        "The answer-or-refuse decision at its calibrated point, on the {} test questions it was asked about: precision \
         {:.2} (of {} answers, {} quote a passage that answers), recall {:.2} (of {} questions whose best passage \
         answers, {} were answered).",
        decision.right_answers + decision.wrong_answers + decision.missed + decision.right_refusals,
        decision.precision(),
        decision.right_answers + decision.wrong_answers,
        decision.right_answers,
        decision.recall(),
        decision.right_answers + decision.missed,
        decision.right_answers,
    ));
    section
}

/// policybot and the peer side by side.
fn peer_section(results: &[SetResult], loads: &Samples) -> Section {
    let mut section = Section::new(
        "Q&A against a jieba + BM25 peer",
        "The peer a user would otherwise build (`bench/peer`: jieba `lcut_for_search` + bm25s over sentence \
         passages of `corpus/`, top-1 passage as the answer, scored by the rule of `src/eval.rs`), run on the same \
         question files in the same run. Its per-query time is tokenizing plus retrieval, its index build is \
         splitting, tokenizing and indexing; policybot's index build includes loading the jieba dictionary.",
        &["", "policybot", "jieba + bm25s (Python)"],
    );
    let peer_cell =
        |set: &SetResult, show: &dyn Fn(&PeerResult) -> String| set.peer.as_ref().map_or("–".to_owned(), show);
    for set in results {
        section.row([
            format!("accuracy, `{}`", set.file),
            format!("{}/{}", set.passed, set.questions),
            peer_cell(set, &|peer| format!("{}/{}", peer.passed, peer.questions)),
        ]);
        section.row([
            format!("per-query time, `{}`, p50 / p99", set.file),
            format!("{} / {}", show_duration(set.times.p50()), show_duration(set.times.p99())),
            peer_cell(set, &|peer| format!("{} / {}", micros(peer.p50_us), micros(peer.p99_us))),
        ]);
    }
    let peer = results.iter().find_map(|set| set.peer.as_ref());
    section.row([
        "index build, p50".to_owned(),
        show_duration(loads.p50()),
        peer.map_or("–".to_owned(), |peer| show_duration(Duration::from_secs_f64(peer.index_build_ms / 1e3))),
    ]);
    section.row([
        "jieba dictionary load".to_owned(),
        "(in the index build)".to_owned(),
        peer.map_or("–".to_owned(), |peer| show_duration(Duration::from_secs_f64(peer.load_ms / 1e3))),
    ]);
    match peer {
        Some(peer) => section.note(format!(
            "Peer: Python {}, jieba {}, bm25s {}; {} passages.",
            peer.versions.python, peer.versions.jieba, peer.versions.bm25s, peer.passages
        )),
        None => section.note("The peer did not run (see above)."),
    }
    section
}

fn micros(us: f64) -> String {
    show_duration(Duration::from_secs_f64(us / 1e6))
}
