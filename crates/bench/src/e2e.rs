//! Telegram end to end: the bot (teloxide long polling, the outbox sender, the bot core on a
//! durable SQLite file) against the fake Bot API on loopback, with many simulated users at once,
//! each in a closed loop — send, wait for the whole reply in their chat, send the next — through
//! questions and a tax-guidance appointment. The bot runs as `policybot::telegram::serve` in this
//! process, and again as the release `policybot serve` in a process of its own, whose peak
//! resident memory is then the bot's alone.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use fake_telegram::FakeTelegram;
use policybot::app::{App, AppError, Settings};
use policybot::clock::Clock;
use policybot::store::{Store, StoreError, applications};
use policybot::telegram::{self, Config, TelegramError};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::load::Sample;
use crate::memory::{self, MemoryError};
use crate::report::{Check, Findings, Section, show_count, show_duration, show_megabytes};
use crate::stats::Samples;
use crate::{BenchError, Mode, qa};

const TOKEN: &str = "4242:bench-token";
/// Learning how many messages answer each step: a reply is complete when nothing more arrives for
/// this long.
const QUIET: Duration = Duration::from_millis(200);
/// The longest wait for a reply before the run counts as broken.
const PATIENCE: Duration = Duration::from_secs(60);
/// Updates per second the bot must sustain.
const TARGET: f64 = 3_000.0;
/// The user who walks the conversation first, to learn the reply sizes; the others follow.
const FIRST_USER: i64 = 100_000;

/// What a user does in their chat.
#[derive(Debug, Clone)]
pub enum Act {
    /// Writes a message.
    Say(String),
    /// Presses the button with this data under the latest message that has it.
    Press(&'static str),
}

/// Two questions, then a tax-guidance appointment from the request to the filing on the first
/// working day after `today`: 12 updates, under the per-user rate limit of 20 in 10 seconds.
pub(crate) fn conversation(today: NaiveDate) -> Vec<Act> {
    let mut day = today + Days::new(1);
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day = day + Days::new(1);
    }
    let say = |text: &str| Act::Say(text.to_owned());
    vec![
        say("/start"),
        say("高级技师能不能落户啊"),
        say("人才公寓怎么申请？"),
        say("预约个税汇算辅导"),
        Act::Press("yes"),
        say("赵六"),
        say("13900139000"),
        say("湛江晨鸣浆纸"),
        Act::Say(day.format("%Y-%m-%d").to_string()),
        say("1"),
        say("年终奖怎么计税"),
        Act::Press("confirm"),
    ]
}

/// The end-to-end run failed.
#[derive(Debug, thiserror::Error)]
pub enum E2eError {
    /// The temporary directory could not be created.
    #[error("cannot create a temporary directory")]
    TempDir(#[source] std::io::Error),
    /// The application did not start.
    #[error(transparent)]
    App(#[from] AppError),
    /// `serve` failed.
    #[error("policybot serve failed")]
    Serve(#[from] TelegramError),
    /// The `policybot` binary could not be started.
    #[error("cannot start {0}")]
    Spawn(PathBuf, #[source] std::io::Error),
    /// The bot's process could not be watched or stopped.
    #[error("cannot watch or stop the bot's process")]
    Process(#[source] std::io::Error),
    /// The bot ended before the users were done.
    #[error("the bot ended before the users were done")]
    Ended,
    /// A step got no complete reply in time.
    #[error("user {user} got {got} of {expected} messages in {PATIENCE:?} after step {step} ({act:?})")]
    NoReply { user: i64, step: usize, act: Act, got: usize, expected: usize },
    /// A button to press is not there.
    #[error("user {user} has no button {data:?} to press")]
    NoButton { user: i64, data: &'static str },
    /// The first walk through the conversation went wrong, so the others would measure nonsense.
    #[error("the conversation does not go as planned at step {step} ({act:?}): {reply}")]
    Conversation { step: usize, act: Act, reply: String },
    /// The database could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Not every user filed one application.
    #[error("{expected} applications should have been filed but {filed} were")]
    Filed { expected: i64, filed: i64 },
    /// A simulated user panicked.
    #[error("a simulated user failed")]
    Task(#[from] tokio::task::JoinError),
    /// Resident memory could not be read.
    #[error(transparent)]
    Memory(#[from] MemoryError),
}

/// Where the bot runs.
#[derive(Debug, Clone)]
enum Host {
    /// `policybot::telegram::serve` in a task of this process.
    InProcess,
    /// `<binary> serve` in a process of its own.
    Process(PathBuf),
}

/// What a run measured.
struct Run {
    updates: usize,
    wall: Duration,
    latencies: Samples,
    /// getUpdates calls while the users ran.
    polls: usize,
    /// The share of the machine's CPU busy while the users ran.
    busy: Option<f64>,
    /// The bot process's peak resident memory, when it runs alone.
    peak: Option<u64>,
}

impl Run {
    fn rate(&self) -> f64 {
        self.updates as f64 / self.wall.as_secs_f64()
    }
}

/// The end-to-end area.
pub fn measure(mode: Mode) -> Result<Findings, BenchError> {
    let users = mode.pick(1_000, 5);
    let runtime = crate::runtime()?;
    let in_process = runtime.block_on(run(users, Host::InProcess))?;
    let binary = qa::policybot_binary();
    let alone = match &binary {
        Some(binary) => Some(runtime.block_on(run(users, Host::Process(binary.clone())))?),
        None if mode == Mode::Smoke => None,
        None => return Err(qa::QaError::NoBinary(std::env::current_exe().unwrap_or_default()).into()),
    };
    let steps = in_process.updates / users;
    let mut section = Section::new(
        "Telegram end to end",
        format!(
            "The bot against the fake Bot API server on loopback, on a SQLite file (WAL, `synchronous = NORMAL`): \
             {} users at once, each in a closed loop through {steps} updates — `/start`, two questions, a \
             tax-guidance appointment from request to filing with two button presses — sending the next update \
             only once the whole reply to the last one is in its chat. Latency is from injecting an update into \
             the fake to the last message of its reply arriving there; the rate is updates over the wall time \
             from the first update to the last reply; afterwards every user must have filed one application. \
             First `policybot::telegram::serve` runs in this process, beside the fake and the users (the \
             target's figure); then `policybot serve` (the binary built beside the suite's, release in a \
             full run) runs in a process of its own, whose peak resident memory (`VmHWM`) is the bot's alone.",
            show_count(users as f64)
        ),
        &["bot", "updates/s", "reply latency p50 / p99 / max", "peak RSS", "target"],
    );
    let latency = |run: &Run| {
        let latencies = &run.latencies;
        let (p50, p99, max) = (latencies.p50(), latencies.p99(), latencies.max());
        format!("{} / {} / {}", show_duration(p50), show_duration(p99), show_duration(max))
    };
    section.row([
        "`telegram::serve` in this process".to_owned(),
        show_count(in_process.rate()),
        latency(&in_process),
        "–".to_owned(),
        format!("≥ {} updates/s", show_count(TARGET)),
    ]);
    match &alone {
        Some(alone) => section.row([
            "`policybot serve`, a process of its own".to_owned(),
            show_count(alone.rate()),
            latency(alone),
            alone.peak.map_or("–".to_owned(), show_megabytes),
            String::new(),
        ]),
        None => section
            .note("`policybot serve` in its own process was skipped: no policybot binary is built beside this one."),
    }
    for (bot, run) in [("in this process", Some(&in_process)), ("alone", alone.as_ref())] {
        let Some(run) = run else { continue };
        section.note(format!(
            "With the bot {bot}, the CPU was {} busy while the users ran; the bot called getUpdates {} \
             times, {:.1} updates and {} per call on average.",
            run.busy.map_or("(unknown)".to_owned(), |busy| format!("{:.0}%", busy * 100.0)),
            show_count(run.polls as f64),
            run.updates as f64 / run.polls.max(1) as f64,
            show_duration(run.wall / run.polls.max(1) as u32),
        ));
    }
    let mut findings = Findings::default();
    findings.checks.push(Check::new(
        &format!("Telegram updates/s end to end, {} concurrent users ≥ 3,000", show_count(users as f64)),
        show_count(in_process.rate()),
        in_process.rate() >= TARGET,
    ));
    findings.sections.push(section);
    Ok(findings)
}

async fn run(users: usize, host: Host) -> Result<Run, E2eError> {
    let dir = tempfile::tempdir().map_err(E2eError::TempDir)?;
    let database_url = format!("sqlite://{}", dir.path().join("bot.db").display());
    let fake = Arc::new(FakeTelegram::start(TOKEN).await);
    let (mut serving, today) = match &host {
        Host::InProcess => {
            // Running, so leases and retries fall due; on a Monday, so dates are as in the tests.
            let clock = Clock::starting_at(2026, 11, 23, 10);
            (serve_here(&database_url, dir.path(), &fake, clock).await?, clock.today())
        }
        Host::Process(binary) => (serve_alone(binary, &database_url, dir.path(), &fake)?, Clock::System.today()),
    };
    let conversation = conversation(today);

    let sizes = tokio::select! {
        learned = learn(&fake, FIRST_USER, &conversation) => learned?,
        ended = serving.ended() => return Err(ended.err().unwrap_or(E2eError::Ended)),
    };
    let store = Store::connect(&database_url).await?;
    check_filed(&store, 1).await?;

    let polls_before = fake.polls();
    let (start, cpu) = (Instant::now(), Sample::take());
    let walks: Vec<_> = (1..=users as i64)
        .map(|n| tokio::spawn(walk(Arc::clone(&fake), FIRST_USER + n, conversation.clone(), sizes.clone())))
        .collect();
    let mut latencies = Vec::with_capacity(users * conversation.len());
    for walk in walks {
        latencies.extend(walk.await??);
    }
    let wall = start.elapsed();
    let polls = fake.polls() - polls_before;
    let busy = cpu.and_then(|cpu| cpu.busy_since());

    let peak = serving.stop().await?;
    check_filed(&store, users as i64 + 1).await?;
    store.close().await;
    Ok(Run { updates: users * conversation.len(), wall, latencies: Samples::new(latencies), polls, busy, peak })
}

/// The bot serving on `fake`, wherever it runs.
enum Serving {
    Task { serving: JoinHandle<Result<(), TelegramError>>, stop: oneshot::Sender<()> },
    Process(tokio::process::Child),
}

/// `telegram::serve` in a task of this process.
async fn serve_here(database_url: &str, dir: &Path, fake: &FakeTelegram, clock: Clock) -> Result<Serving, E2eError> {
    let settings = Settings {
        database_url: database_url.into(),
        corpus: None,
        dialogs: None,
        files_dir: dir.join("files"),
        staff: policybot::bot::Staff::default(),
    };
    let app = App::build(&settings, clock).await?;
    let config = Config::long_polling(TOKEN.into(), Some(fake.url().parse().expect("the fake's URL parses")));
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = tokio::spawn(telegram::serve(app.bot, config, async {
        stopped.await.ok();
    }));
    Ok(Serving::Task { serving, stop })
}

/// `binary serve` in a process of its own, configured as its documentation says.
fn serve_alone(binary: &Path, database_url: &str, dir: &Path, fake: &FakeTelegram) -> Result<Serving, E2eError> {
    let child = tokio::process::Command::new(binary)
        .arg("serve")
        .env("TELEGRAM_BOT_TOKEN", TOKEN)
        .env("TELEGRAM_API_URL", fake.url())
        .env("DATABASE_URL", database_url)
        .env("FILES_DIR", dir.join("files"))
        .env("RUST_LOG", "warn")
        .env_remove("WEBHOOK_URL")
        .env_remove("POLICYBOT_CORPUS")
        .env_remove("POLICYBOT_DIALOGS")
        .env_remove("STAFF_CHAT_ID")
        .env_remove("STAFF_USER_IDS")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| E2eError::Spawn(binary.to_owned(), error))?;
    Ok(Serving::Process(child))
}

impl Serving {
    /// Completes if the bot ends, with why.
    async fn ended(&mut self) -> Result<(), E2eError> {
        match self {
            Serving::Task { serving, .. } => Ok((&mut *serving).await??),
            Serving::Process(child) => child.wait().await.map(drop).map_err(E2eError::Process),
        }
    }

    /// Stops the bot; a process of its own reports its peak resident memory first.
    async fn stop(self) -> Result<Option<u64>, E2eError> {
        match self {
            Serving::Task { serving, stop } => {
                stop.send(()).ok();
                serving.await??;
                Ok(None)
            }
            Serving::Process(mut child) => {
                let peak = child.id().map(memory::peak_of).transpose()?;
                // Killed outright: every reply was waited for, and a commit survives the process.
                child.kill().await.map_err(E2eError::Process)?;
                Ok(peak)
            }
        }
    }
}

/// Checks that `expected` applications are filed.
async fn check_filed(store: &Store, expected: i64) -> Result<(), E2eError> {
    let mut conn = store.acquire().await?;
    let filed = applications::count(&mut conn).await?;
    if filed == expected { Ok(()) } else { Err(E2eError::Filed { expected, filed }) }
}

/// Walks `user` through the conversation, checking that no answer is refused, and returns how
/// many messages answer each step (button presses also edit the pressed message).
async fn learn(fake: &FakeTelegram, user: i64, conversation: &[Act]) -> Result<Vec<usize>, E2eError> {
    let mut sizes = Vec::with_capacity(conversation.len());
    let mut count = 0;
    for (step, act) in conversation.iter().enumerate() {
        let before = count;
        act.perform(fake, user)?;
        let no_reply = || E2eError::NoReply { user, step, act: act.clone(), got: 0, expected: 1 };
        count = fake.wait_for_count(user, before + 1, PATIENCE).await.ok_or_else(no_reply)?;
        while let Some(more) = fake.wait_for_count(user, count + 1, QUIET).await {
            count = more;
        }
        let reply: Vec<String> = fake.sent(user)[before..].iter().map(|sent| sent.text.clone()).collect();
        let reply = reply.join("\n\n");
        if reply.contains('⚠') {
            return Err(E2eError::Conversation { step, act: act.clone(), reply });
        }
        sizes.push(count - before);
    }
    Ok(sizes)
}

/// Walks `user` through the conversation, a step once the whole reply to the last is in; the
/// latency of each step.
async fn walk(
    fake: Arc<FakeTelegram>,
    user: i64,
    conversation: Vec<Act>,
    sizes: Vec<usize>,
) -> Result<Vec<Duration>, E2eError> {
    let mut latencies = Vec::with_capacity(conversation.len());
    let mut expected = 0;
    for (step, (act, size)) in conversation.into_iter().zip(sizes).enumerate() {
        expected += size;
        let start = Instant::now();
        act.perform(&fake, user)?;
        if fake.wait_for_count(user, expected, PATIENCE).await.is_none() {
            return Err(E2eError::NoReply { user, step, act, got: fake.sent_count(user), expected });
        }
        latencies.push(start.elapsed());
    }
    Ok(latencies)
}

impl Act {
    fn perform(&self, fake: &FakeTelegram, user: i64) -> Result<(), E2eError> {
        match self {
            Act::Say(text) => {
                fake.send_text(user, text, Some("zh-hans"));
            }
            Act::Press(data) => {
                let sent = fake.sent(user);
                let message = sent
                    .iter()
                    .rev()
                    .find(|sent| sent.buttons.iter().flatten().any(|(_, d)| d == data))
                    .ok_or(E2eError::NoButton { user, data })?;
                fake.press(user, user, message.message_id, data);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_appointment_is_on_the_next_working_day() {
        let date = |conversation: Vec<Act>| match &conversation[8] {
            Act::Say(date) => date.clone(),
            Act::Press(_) => panic!("step 8 is the date"),
        };
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(date(conversation(monday)), "2026-11-24");
        let friday = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(date(conversation(friday)), "2026-11-30");
    }
}
