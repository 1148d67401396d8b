//! The peer a user would otherwise build — jieba + BM25 in Python (bench/peer) — run on the same
//! corpus and question files as policybot, in the same run, through `bench/peer/run.sh`.

use std::path::Path;
use std::process::Command;

use serde::Deserialize;

/// The script that makes the peer's venv and runs it.
const SCRIPT: &str = "bench/peer/run.sh";

/// The peer could not be run.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    /// bash could not be started.
    #[error("cannot run bash {SCRIPT}")]
    Spawn(#[source] std::io::Error),
    /// The script failed (no venv, no PyPI, a broken peer.py).
    #[error("{SCRIPT} failed ({status}): {stderr}")]
    Failed { status: std::process::ExitStatus, stderr: String },
    /// The script printed something else than its JSON object.
    #[error("{SCRIPT} printed no result object")]
    Output(#[source] serde_json::Error),
}

/// What the peer prints for one question file.
#[derive(Debug, Clone, Deserialize)]
pub struct PeerResult {
    /// Python and library versions.
    pub versions: Versions,
    /// Sentence passages indexed.
    pub passages: usize,
    /// Splitting, tokenizing and indexing the corpus.
    pub index_build_ms: f64,
    /// Loading jieba's dictionary.
    pub load_ms: f64,
    /// Questions asked.
    pub questions: usize,
    /// Questions answered correctly by the rule of policybot's eval.
    pub passed: usize,
    /// Per-query time (tokenize + retrieve top-1), median.
    pub p50_us: f64,
    /// Per-query time, 99th percentile.
    pub p99_us: f64,
}

/// The versions the peer ran with.
#[derive(Debug, Clone, Deserialize)]
pub struct Versions {
    /// CPython.
    pub python: String,
    /// jieba.
    pub jieba: String,
    /// bm25s.
    pub bm25s: String,
}

/// Whether the peer can run here at all: python3 with pip (the script makes a venv and installs
/// the pinned packages from PyPI into it on first use).
pub fn available() -> bool {
    let runs = |args: &[&str]| Command::new("python3").args(args).output().is_ok_and(|out| out.status.success());
    runs(&["--version"]) && runs(&["-m", "pip", "--version"])
}

/// Runs the peer on `corpus` and `questions`, timing `repeat` passes over the questions.
pub fn run(corpus: &Path, questions: &Path, repeat: usize) -> Result<PeerResult, PeerError> {
    let output = Command::new("bash")
        .arg(crate::in_repository(SCRIPT))
        .arg("--corpus")
        .arg(corpus)
        .arg("--questions")
        .arg(questions)
        .args(["--repeat", &repeat.to_string()])
        .current_dir(crate::repository())
        .output()
        .map_err(PeerError::Spawn)?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        return Err(PeerError::Failed { status: output.status, stderr });
    }
    serde_json::from_slice(&output.stdout).map_err(PeerError::Output)
}
