//! policybot's benchmark suite: every figure of docs/benchmarks.md — Q&A, dialogs, Telegram end to
//! end, memory and how the figures grow — measured by this one library, so that the
//! `policybot-bench` binary, the criterion benches and the smoke test share their measurements.

pub mod console;
pub mod corpus;
pub mod database;
pub mod dialog;
pub mod e2e;
pub mod load;
pub mod machine;
pub mod memory;
pub mod peer;
pub mod qa;
pub mod report;
pub mod rss;
pub mod scaling;
pub mod stats;
pub mod web;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use report::Findings;

/// A part of the suite, run on its own with `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
pub enum Area {
    /// Answer latency, start → first answer, index build, accuracy, and the Python peer.
    Qa,
    /// Dialog steps per second with SQLite and PostgreSQL persistence.
    Dialog,
    /// Telegram updates per second and reply latency through the fake Bot API.
    E2e,
    /// Web chat messages per second and reply latency over HTTP.
    Web,
    /// Resident memory with 10,000 open dialogs.
    Rss,
    /// How Q&A latency and dialog throughput grow with the corpus and the stored applications.
    Scaling,
    /// Pages per second and latency of the staff console's application list over HTTP.
    Console,
}

impl Area {
    /// Every area, in the order the suite runs and reports them.
    pub const ALL: [Area; 7] = [Area::Qa, Area::Dialog, Area::E2e, Area::Web, Area::Rss, Area::Scaling, Area::Console];

    /// The name `--only` takes.
    pub fn name(self) -> &'static str {
        match self {
            Area::Qa => "qa",
            Area::Dialog => "dialog",
            Area::E2e => "e2e",
            Area::Web => "web",
            Area::Rss => "rss",
            Area::Scaling => "scaling",
            Area::Console => "console",
        }
    }
}

/// How much to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The counts the published figures come from.
    Full,
    /// Tiny counts: every measurement runs, in seconds, so the suite cannot rot.
    Smoke,
}

impl Mode {
    /// `full` in a full run, `smoke` in a smoke run.
    pub fn pick<T>(self, full: T, smoke: T) -> T {
        match self {
            Mode::Full => full,
            Mode::Smoke => smoke,
        }
    }
}

/// Why an area could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The Q&A measurements failed.
    #[error("Q&A")]
    Qa(#[from] qa::QaError),
    /// A larger corpus could not be made.
    #[error("synthesised corpus")]
    Corpus(#[from] corpus::CorpusError),
    /// The dialog measurements failed.
    #[error("dialogs")]
    Dialog(#[from] dialog::DialogError),
    /// The web chat run failed.
    #[error("web chat")]
    Web(#[from] web::WebBenchError),
    /// The memory measurement failed.
    #[error("memory")]
    Rss(#[from] rss::RssError),
    /// The end-to-end run failed.
    #[error("end to end")]
    E2e(#[from] e2e::E2eError),
    /// The console measurement failed.
    #[error("the staff console")]
    Console(#[from] console::ConsoleError),
    /// The async runtime could not start.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
}

/// Measures one area.
pub fn run(area: Area, mode: Mode) -> Result<Findings, BenchError> {
    match area {
        Area::Qa => Ok(qa::measure(mode)?),
        Area::Dialog => dialog::measure(mode),
        Area::E2e => e2e::measure(mode),
        Area::Web => web::measure(mode),
        Area::Rss => rss::measure(mode),
        Area::Scaling => scaling::measure(mode),
        Area::Console => console::measure(mode),
    }
}

/// Measures every area, one after another, in this process.
pub fn run_all(mode: Mode) -> Result<Findings, BenchError> {
    let mut findings = Findings::default();
    for area in Area::ALL {
        findings.extend(run(area, mode)?);
    }
    Ok(findings)
}

/// The repository the suite measures (question files, the peer, docs/).
pub fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("crates/bench sits two levels below the root")
}

/// `relative` inside the repository.
pub fn in_repository(relative: &str) -> PathBuf {
    repository().join(relative)
}

/// A multi-threaded runtime with a worker per core, as `policybot serve` runs on.
fn runtime() -> Result<tokio::runtime::Runtime, BenchError> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(BenchError::Runtime)
}
