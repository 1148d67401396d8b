//! Shared helpers: the policy as production loads it, the whole app on a temporary SQLite file,
//! and running the real binary.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use policybot::app::{App, Settings};
use policybot::assets::Assets;
use policybot::bot::{Input, Sender, Staff};
use policybot::clock::Clock;
use policybot::policy::Policy;
use policybot::reply::Reply;
use policybot::telegram;
use tempfile::TempDir;

/// The shipped policy, loaded once per test process.
pub fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| Policy::load(&Assets::corpus(None)).expect("the shipped corpus loads"))
}

/// The staff chat of the test app.
pub const STAFF_CHAT: &str = "-1001";
/// The staff member of the test app.
pub const STAFF_MEMBER: &str = "900";

/// The day the tests live on: Monday 2026-11-23, 10:00 in Zhanjiang.
pub fn clock() -> Clock {
    Clock::fixed(2026, 11, 23, 10)
}

/// The application as production builds it, on a SQLite file in a temporary directory.
pub struct TestApp {
    pub app: App,
    pub settings: Settings,
    clock: Clock,
    /// Holds the database and files until the test ends.
    _dir: TempDir,
}

/// Builds the app with the shipped corpus and forms on a fresh temporary database.
pub async fn spawn_app() -> TestApp {
    spawn_app_at(clock()).await
}

/// [`spawn_app`] on `clock`.
pub async fn spawn_app_at(clock: Clock) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = Settings {
        database_url: format!("sqlite://{}", dir.path().join("bot.db").display()).into(),
        corpus: None,
        dialogs: None,
        files_dir: dir.path().join("files"),
        staff: Staff {
            channel: telegram::PROFILE.name.to_owned(),
            chat: Some(STAFF_CHAT.to_owned()),
            members: [STAFF_MEMBER.to_owned()].into_iter().collect(),
        },
    };
    let app = App::build(&settings, clock).await.expect("the app starts");
    TestApp { app, settings, clock, _dir: dir }
}

impl TestApp {
    /// The same data opened by a new app, as after a restart.
    pub async fn restart(self) -> TestApp {
        self.app.bot.store().close().await;
        let app = App::build(&self.settings, self.clock).await.expect("the app restarts");
        TestApp { app, ..self }
    }

    fn sender(user: &str) -> Sender {
        Sender::new("test", user, None)
    }

    /// `user` types `text`; the replies' texts, joined.
    pub async fn say(&self, user: &str, text: &str) -> String {
        join(&self.send(user, Input::Text(text.to_owned())).await)
    }

    /// `user` presses a button with `data`; the replies' texts, joined.
    pub async fn press(&self, user: &str, data: &str) -> String {
        join(&self.send(user, Input::Button(data.to_owned())).await)
    }

    /// `user` sends a file; the replies' texts, joined.
    pub async fn send_file(&self, user: &str, name: &str, bytes: &[u8]) -> String {
        let file = self.app.files.keep(name, bytes).expect("file kept");
        join(&self.send(user, Input::File(file)).await)
    }

    /// `user` sends `input`; the replies.
    pub async fn send(&self, user: &str, input: Input) -> Vec<Reply> {
        self.app.bot.handle(&Self::sender(user), input).await
    }

    /// Answers every message in order, expecting no apology for an internal error.
    pub async fn answer_all(&self, user: &str, answers: &[&str]) -> String {
        let mut last = String::new();
        for answer in answers {
            last = self.say(user, answer).await;
            assert!(!last.contains("系统暂时出了点问题"), "{answer:?} failed: {last}");
        }
        last
    }

    /// `user` asks for the form `wish` names, consents and answers `answers` in order (as
    /// [`answer_all`](Self::answer_all)); the last reply.
    pub async fn fill_in(&self, user: &str, wish: &str, answers: &[&str]) -> String {
        self.say(user, wish).await;
        self.press(user, "yes").await;
        self.answer_all(user, answers).await
    }
}

/// The texts of replies, one per paragraph.
pub fn join(replies: &[Reply]) -> String {
    replies.iter().map(|reply| reply.text.as_str()).collect::<Vec<_>>().join("\n\n")
}

/// The reference number in a filing receipt.
pub fn reference_in(text: &str) -> String {
    let start = text.find("ZJ-").unwrap_or_else(|| panic!("no reference in {text}"));
    text[start..].split_whitespace().next().unwrap().trim_end_matches(['。', '.']).to_owned()
}

/// Runs `policybot` with `args` in `workdir`, feeding `stdin`.
pub fn run_in(workdir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policybot"))
        .args(args)
        .current_dir(workdir)
        .env_remove("POLICYBOT_CORPUS")
        .env_remove("POLICYBOT_DIALOGS")
        .env_remove("DATABASE_URL")
        .env_remove("FILES_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("policybot starts");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("policybot finishes")
}

/// Runs `policybot` with `args` from a scratch working directory, feeding `stdin`.
pub fn run(args: &[&str], stdin: &str) -> Output {
    let workdir = tempfile::tempdir().expect("temp dir");
    run_in(workdir.path(), args, stdin)
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 output")
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("utf-8 output")
}

/// A copy of a shipped data directory (`corpus`, `dialogs`) in a temporary directory, with `file`
/// in it changed by `edit`.
pub fn data_copy(name: &str, file: &str, edit: impl FnOnce(String) -> String) -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).expect("data dir") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
    }
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{file}: {error}"));
    std::fs::write(&path, edit(text)).expect("write the changed file");
    dir
}
