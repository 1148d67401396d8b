//! Shared helpers: the policy as production loads it, and running the real binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use policybot::assets::Assets;
use policybot::policy::Policy;

/// The shipped policy, loaded once per test process.
pub fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| Policy::load(&Assets::corpus(None)).expect("the shipped corpus loads"))
}

/// Runs `policybot` with `args`, feeding `stdin`, from a scratch working directory so nothing
/// depends on where the tests run.
pub fn run(args: &[&str], stdin: &str) -> Output {
    let workdir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_policybot"))
        .args(args)
        .current_dir(workdir.path())
        .env_remove("POLICYBOT_CORPUS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("policybot starts");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("policybot finishes")
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 output")
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("utf-8 output")
}

/// A copy of the shipped corpus in a temporary directory, to break on purpose.
pub fn corpus_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus")).expect("corpus dir") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
    }
    dir
}
