//! Load and crash: hundreds of simulated applicants fill in the tax-guidance form through the fake
//! Bot API against the real `policybot serve` binary, while a bot instance is killed with SIGKILL
//! several times mid-load and restarted on the same database. At the end every applicant has
//! exactly one application, every update the bot acknowledged was handled, no staff notification
//! went out twice, and every user got to the filing.
//!
//! - `sqlite_one_instance_killed_mid_load`: one instance on a SQLite file, webhook mode.
//! - `sqlite_polling_instance_killed_mid_load`: the same with long polling.
//! - `postgres_two_instances_one_killed_mid_load`: two instances on one PostgreSQL database
//!   behind round-robin webhooks with failover; only when `POLICYBOT_TEST_POSTGRES` names a server.
//!
//! An update counts as handled when it is recorded (group chats) or at or below the last update
//! handled in its private chat, which the bot keeps instead of a record per update; that a stored
//! update skipped by a restart is not lost is shown by `updates_stored_before_a_crash_are_handled_once_at_start`
//! in `tests/it/telegram.rs`, as a lost update would only show here as the applicant sending again.
//!
//! Applicants behave as people do: each reads the bot's latest question and answers it, checks the
//! summary before confirming (correcting a wrong answer with "修改 N"), and, when no reply comes
//! within `REPLY_PATIENCE`, sends the same thing again as a new message. After a confirmation whose
//! receipt never came, they ask `/status`. Sizes: `POLICYBOT_CRASH_APPLICANTS` (default 500),
//! `POLICYBOT_CRASH_KILLS` (default 3); `POLICYBOT_CRASH_DRAIN_SECS` (default 10) bounds the wait
//! for staff notifications after the load: they go to one group chat, one at a time in order, so
//! hundreds take minutes (even with `TELEGRAM_GROUP_LIMIT` raised above Telegram's 20 a minute).
//! Those still queued are reported; every one queued must be queued once, and none sent twice.
//!
//! Run: `POLICYBOT_TEST_POSTGRES=postgres://postgres@127.0.0.1:5433/postgres cargo test --test crash -- --nocapture`

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{Datelike, Weekday};
use fake_telegram::{FakeTelegram, Sent};
use policybot::store::applications::{self, Application, Filter};
use policybot::store::{Conn, Store, users};

const TOKEN: &str = "4242:crash-test-token";
const SECRET: &str = "crash-secret";
#[path = "support/http.rs"]
mod http;
#[path = "support/throwaway.rs"]
mod throwaway;

const STAFF_CHAT: i64 = -1001;
const STAFF_USERS: &str = "900";
/// Applicants are users FIRST_USER, FIRST_USER + 1, …
const FIRST_USER: i64 = 100_000;

/// How long an applicant waits for an answer before sending the same thing again.
const REPLY_PATIENCE: Duration = Duration::from_secs(8);
/// Messages without a question in them are a complete reply once nothing follows for this long.
const QUIET: Duration = Duration::from_millis(1500);
/// An applicant who needs more messages than this is stuck.
const MAX_ACTIONS: u32 = 60;
/// Every applicant must be done within this.
const LOAD_DEADLINE: Duration = Duration::from_secs(100);
/// A (re)started instance must answer /healthz within this.
const START_PATIENCE: Duration = Duration::from_secs(30);
/// Between a kill and the restart, as a supervisor (systemd, Kubernetes) takes a moment.
const RESTART_DELAY: Duration = Duration::from_millis(300);
/// Messages in a complete run of the form: trigger, consent, six answers, confirm.
const ACTIONS_PER_FORM: usize = 9;

const TRIGGER: &str = "预约个税汇算辅导";
const NAME: &str = "吴九";
const EMPLOYER: &str = "湛江港集团";
const SLOT_ANSWER: &str = "1";
const SLOT_LABEL: &str = "上午（9:00–12:00）";
const QUESTION: &str = "专项附加扣除怎么填";

/// The crash tests run one at a time: each loads both cores.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn env_number(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(value) => value.trim().parse().unwrap_or_else(|_| panic!("{name}={value:?} is not a number")),
        Err(_) => default,
    }
}

fn applicants() -> usize {
    env_number("POLICYBOT_CRASH_APPLICANTS", 500)
}

fn kills() -> usize {
    env_number("POLICYBOT_CRASH_KILLS", 3)
}

fn drain_time() -> Duration {
    Duration::from_secs(env_number("POLICYBOT_CRASH_DRAIN_SECS", 10) as u64)
}

/// The next Monday to Friday at least two days ahead in China: a valid preferred date (the form
/// asks for a working day between tomorrow and 90 days ahead).
fn preferred_date() -> String {
    let china_today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let mut day = china_today + chrono::Duration::days(2);
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day += chrono::Duration::days(1);
    }
    day.format("%Y-%m-%d").to_string()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port()
}

// ---------------------------------------------------------------------------------------------
// Bot instances: the real binary, killed with SIGKILL and restarted.
// ---------------------------------------------------------------------------------------------

/// One `policybot serve` process on a fixed loopback port, restartable.
struct Instance {
    name: String,
    port: u16,
    env: Vec<(String, String)>,
    dir: PathBuf,
    child: Option<Child>,
    starts: usize,
    listener: Listener,
}

/// How updates reach the instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listener {
    /// The fake posts them to the instances' webhooks.
    Webhooks,
    /// The one instance fetches them with getUpdates.
    Polling,
}

impl Instance {
    fn new(name: &str, dir: &Path, database_url: &str, api_url: &str, listener: Listener) -> Instance {
        let port = free_port();
        let files = dir.join(format!("files-{name}"));
        let webhook = [
            ("WEBHOOK_URL", format!("http://127.0.0.1:{port}/telegram")),
            ("LISTEN_ADDR", format!("127.0.0.1:{port}")),
            ("WEBHOOK_SECRET", SECRET.to_owned()),
        ];
        let webhook = webhook.into_iter().filter(|_| listener == Listener::Webhooks);
        let env = [
            ("TELEGRAM_BOT_TOKEN", TOKEN.to_owned()),
            ("TELEGRAM_API_URL", api_url.to_owned()),
            ("DATABASE_URL", database_url.to_owned()),
            ("FILES_DIR", files.display().to_string()),
            ("STAFF_CHAT_ID", STAFF_CHAT.to_string()),
            ("STAFF_USER_IDS", STAFF_USERS.to_owned()),
            ("RUST_LOG", "warn".to_owned()),
            // The fake has no group limit: let the notifications out in seconds, not 25 minutes.
            ("TELEGRAM_GROUP_LIMIT", "6000".to_owned()),
            ("RUST_BACKTRACE", "1".to_owned()),
        ];
        let env = env.into_iter().chain(webhook).map(|(key, value)| (key.to_owned(), value)).collect();
        Instance { name: name.to_owned(), port, env, dir: dir.to_owned(), child: None, starts: 0, listener }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/telegram", self.port)
    }

    fn log_path(&self, stream: &str) -> PathBuf {
        self.dir.join(format!("{}.{stream}.log", self.name))
    }

    fn log(&self, stream: &str) -> File {
        OpenOptions::new().create(true).append(true).open(self.log_path(stream)).expect("a log file")
    }

    /// Starts the process and waits until it listens.
    async fn launch(&mut self, fake: &FakeTelegram) {
        let polls = fake.polls();
        self.start();
        self.wait_ready(fake, polls).await;
    }

    fn start(&mut self) {
        assert!(self.child.is_none(), "{} is already running", self.name);
        self.starts += 1;
        let (mut out, err) = (self.log("stdout"), self.log("stderr"));
        writeln!(out, "=== start {} ===", self.starts).ok();
        let child = Command::new(env!("CARGO_BIN_EXE_policybot"))
            .arg("serve")
            .env_clear()
            .envs(self.env.iter().map(|(key, value)| (key, value)))
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("policybot serve starts");
        self.child = Some(child);
    }

    /// SIGKILL: no shutdown code runs, as when the machine or the OOM killer takes the process.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }

    /// SIGTERM, the way a supervisor stops the bot, then SIGKILL if it does not end in time.
    /// Returns when the signal went and when the process was gone.
    async fn stop(&mut self) -> Option<(Instant, Instant)> {
        let mut child = self.child.take()?;
        let signalled = Instant::now();
        Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().ok();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return Some((signalled, Instant::now()));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        eprintln!("{} did not stop on SIGTERM within 10 s; killing it", self.name);
        child.kill().ok();
        child.wait().ok();
        Some((signalled, Instant::now()))
    }

    /// Waits until /healthz answers 200, or (polling) getUpdates was called more than `polls`
    /// times; panics with the logs after `START_PATIENCE`.
    async fn wait_ready(&mut self, fake: &FakeTelegram, polls: usize) {
        let deadline = Instant::now() + START_PATIENCE;
        loop {
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("{} exited with {status} while starting:\n{}", self.name, self.tail(40));
            }
            let ready = match self.listener {
                Listener::Webhooks => {
                    http::get(self.port, "/healthz").await.is_some_and(|answer| answer.starts_with("HTTP/1.1 200"))
                }
                Listener::Polling => fake.polls() > polls,
            };
            if ready {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} not healthy within {START_PATIENCE:?}:\n{}",
                self.name,
                self.tail(40)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The last `lines` lines of both logs.
    fn tail(&self, lines: usize) -> String {
        ["stdout", "stderr"]
            .iter()
            .map(|stream| {
                let text = std::fs::read_to_string(self.log_path(stream)).unwrap_or_default();
                let all: Vec<&str> = text.lines().collect();
                let tail = all[all.len().saturating_sub(lines)..].join("\n");
                format!("--- {} {stream} (last {lines} lines) ---\n{tail}", self.name)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Log lines at ERROR and WARN level (tracing writes to stdout).
    fn log_levels(&self) -> (usize, usize) {
        let text = ["stdout", "stderr"]
            .iter()
            .map(|stream| std::fs::read_to_string(self.log_path(stream)).unwrap_or_default())
            .collect::<String>();
        let count = |level: &str| text.lines().filter(|line| line.contains(level)).count();
        (count(" ERROR "), count(" WARN "))
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

// ---------------------------------------------------------------------------------------------
// Simulated applicants.
// ---------------------------------------------------------------------------------------------

/// What the bot's latest message asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Prompt {
    Consent,
    /// Step n of 6.
    Step(usize),
    Summary(String),
}

fn prompt_in(text: &str) -> Option<Prompt> {
    if text.contains("请核对以上信息") {
        return Some(Prompt::Summary(text.to_owned()));
    }
    if text.contains("您是否同意") {
        return Some(Prompt::Consent);
    }
    (1..=6).find(|step| text.contains(&format!("({step}/6)"))).map(Prompt::Step)
}

/// The reference number in a receipt ("申请编号：ZJ-TAX-2026-000123").
fn receipt_in(text: &str) -> Option<String> {
    text.contains("申请编号").then(|| reference_in(text)).flatten()
}

fn reference_in(text: &str) -> Option<String> {
    let start = text.find("ZJ-TAX-")?;
    let reference: String =
        text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>();
    Some(reference)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    Text(String),
    Press(&'static str),
}

/// One applicant's answers: the phone number is the user's own, so mixed-up forms show.
#[derive(Debug, Clone)]
struct Answers {
    phone: String,
    date: String,
}

impl Answers {
    fn of(user: i64, date: &str) -> Answers {
        Answers { phone: format!("139{:08}", user % 100_000_000), date: date.to_owned() }
    }

    fn step(&self, step: usize) -> String {
        match step {
            1 => NAME.to_owned(),
            2 => self.phone.clone(),
            3 => EMPLOYER.to_owned(),
            4 => self.date.clone(),
            5 => SLOT_ANSWER.to_owned(),
            _ => QUESTION.to_owned(),
        }
    }

    /// The summary lines as they must read, numbered like the summary.
    fn summary_lines(&self) -> [String; 6] {
        [
            format!("1. 您的姓名：{NAME}"),
            format!("2. 您的手机号码：{}", self.phone),
            format!("3. 您的工作单位：{EMPLOYER}"),
            format!("4. 希望辅导的日期：{}", self.date),
            format!("5. 时间段：{SLOT_LABEL}"),
            format!("6. 请简要说明您的问题：{QUESTION}"),
        ]
    }
}

/// How one applicant fared.
#[derive(Debug, Default, Clone)]
struct Outcome {
    user: i64,
    /// The reference from the receipt, or from /status when the receipt never came.
    reference: Option<String>,
    /// The receipt never came; /status showed the application.
    via_status: bool,
    /// Messages sent again after no reply within `REPLY_PATIENCE`.
    resends: u32,
    /// Summary lines found wrong and corrected with "修改 N".
    corrections: u32,
    actions: u32,
    /// Replies that asked nothing the applicant understood.
    unexpected: Vec<String>,
    /// Why the applicant did not finish.
    failure: Option<String>,
}

/// Progress of the whole crowd, for the kill schedule.
#[derive(Default)]
struct Progress {
    actions: AtomicUsize,
    finished: AtomicUsize,
}

fn act(fake: &FakeTelegram, user: i64, action: &Action) {
    match action {
        Action::Text(text) => {
            fake.send_text(user, text, Some("zh-hans"));
        }
        Action::Press(data) => {
            let sent = fake.sent(user);
            let under = sent.iter().rev().find(|sent| sent.buttons.iter().flatten().any(|(_, d)| d == data));
            match under {
                Some(message) => {
                    fake.press(user, user, message.message_id, data);
                }
                // No such button (any more): the words do the same.
                None => {
                    let words = if *data == "yes" { "同意" } else { "确认" };
                    fake.send_text(user, words, Some("zh-hans"));
                }
            }
        }
    }
}

/// One applicant files the tax-guidance form, reading each reply as a person would.
async fn applicant(fake: Arc<FakeTelegram>, user: i64, answers: Answers, progress: Arc<Progress>) -> Outcome {
    let mut outcome = Outcome { user, ..Outcome::default() };
    let deadline = Instant::now() + LOAD_DEADLINE;
    // Messages before `consumed` were acted on; those before `looked` were read.
    let (mut consumed, mut looked) = (0usize, 0usize);
    let mut last = Action::Text(TRIGGER.to_owned());
    let mut asked_status = false;
    act(&fake, user, &last);
    outcome.actions += 1;
    progress.actions.fetch_add(1, Ordering::Relaxed);
    let mut acted_at = Instant::now();
    let mut arrived_at: Option<Instant> = None;
    let finish = |mut outcome: Outcome, failure: Option<String>| {
        outcome.failure = failure;
        progress.finished.fetch_add(1, Ordering::Relaxed);
        outcome
    };
    loop {
        if Instant::now() > deadline {
            return finish(outcome, Some(format!("not done within {LOAD_DEADLINE:?}")));
        }
        if outcome.actions > MAX_ACTIONS {
            return finish(outcome, Some(format!("more than {MAX_ACTIONS} messages")));
        }
        let patience = REPLY_PATIENCE.saturating_sub(acted_at.elapsed());
        let quiet = arrived_at.map_or(patience, |at| QUIET.saturating_sub(at.elapsed()));
        let wait = patience.min(quiet).max(Duration::from_millis(1));
        if fake.wait_for_count(user, looked + 1, wait).await.is_some() {
            arrived_at = Some(Instant::now());
        }
        let new: Vec<Sent> = fake.sent_since(user, consumed);
        looked = consumed + new.len();
        let fresh = || new.iter().filter(|sent| !sent.edited);
        if let Some(reference) = fresh().find_map(|sent| receipt_in(&sent.text)) {
            outcome.reference = Some(reference);
            return finish(outcome, None);
        }
        if asked_status && let Some(reference) = fresh().find_map(|sent| reference_in(&sent.text)) {
            outcome.reference = Some(reference);
            outcome.via_status = true;
            return finish(outcome, None);
        }
        let next = match fresh().filter_map(|sent| prompt_in(&sent.text)).next_back() {
            Some(Prompt::Consent) => Action::Press("yes"),
            Some(Prompt::Step(step)) => Action::Text(answers.step(step)),
            Some(Prompt::Summary(summary)) => {
                match answers.summary_lines().iter().position(|line| !summary.contains(line.as_str())) {
                    Some(wrong) => {
                        outcome.corrections += 1;
                        Action::Text(format!("修改 {}", wrong + 1))
                    }
                    None => Action::Press("confirm"),
                }
            }
            None => {
                let replied = fresh().next().is_some();
                let quiet_now = arrived_at.is_some_and(|at| at.elapsed() >= QUIET);
                if replied && quiet_now {
                    // A complete reply that asks nothing: after a confirmation, the receipt may
                    // have been lost with a killed instance, so look at the applications.
                    outcome.unexpected.extend(fresh().map(|sent| sent.text.chars().take(80).collect::<String>()));
                    if matches!(last, Action::Press("confirm")) || last == Action::Text("确认".to_owned()) {
                        asked_status = true;
                        Action::Text("/status".to_owned())
                    } else {
                        outcome.resends += 1;
                        last.clone()
                    }
                } else if !replied && acted_at.elapsed() >= REPLY_PATIENCE {
                    // No answer at all: say it again, as a new message.
                    outcome.resends += 1;
                    last.clone()
                } else {
                    continue;
                }
            }
        };
        consumed = looked;
        arrived_at = None;
        act(&fake, user, &next);
        last = next;
        acted_at = Instant::now();
        outcome.actions += 1;
        progress.actions.fetch_add(1, Ordering::Relaxed);
    }
}

// ---------------------------------------------------------------------------------------------
// The run: load, kills, checks.
// ---------------------------------------------------------------------------------------------

/// A kill and what was going on at that moment.
#[derive(Debug)]
struct Kill {
    instance: String,
    at: Instant,
    /// Applicants not finished yet.
    unfinished: usize,
    /// Applicant messages sent so far.
    actions: usize,
    /// From the kill until the restarted instance answered /healthz.
    downtime: Duration,
}

/// When the instances were killed and stopped, to place what the checks find.
struct Timeline<'a> {
    killed: &'a [Kill],
    /// (SIGTERM sent, process gone) for each instance stopped at the end.
    stops: &'a [(Instant, Instant)],
    load_started: Instant,
}

impl Timeline<'_> {
    /// `at` in seconds since the load started, with the kills and stops near it.
    fn place(&self, at: Instant) -> String {
        let since = |from: Instant| {
            at.saturating_duration_since(from).as_secs_f64() - from.saturating_duration_since(at).as_secs_f64()
        };
        let mut events: Vec<String> = self
            .killed
            .iter()
            .filter(|kill| since(kill.at).abs() < 2.0)
            .map(|kill| format!("{:+.3}s from the SIGKILL of {}", since(kill.at), kill.instance))
            .collect();
        events.extend(self.stops.iter().filter(|(signalled, _)| since(*signalled).abs() < 5.0).map(
            |(signalled, gone)| {
                let exit = gone.saturating_duration_since(*signalled).as_secs_f64();
                format!("{:+.3}s from a SIGTERM (the process was gone {exit:.3}s after it)", since(*signalled))
            },
        ));
        format!(
            "at {:.3}s into the load{}",
            since(self.load_started),
            if events.is_empty() { String::new() } else { format!(", {}", events.join(", ")) }
        )
    }
}

struct Run {
    backend: &'static str,
    database_url: String,
    dir: PathBuf,
    listener: Listener,
    /// Instances behind the webhooks (one with polling); `victim` is killed.
    instances: usize,
    victim: usize,
}

async fn run(config: Run) {
    let started = Instant::now();
    let applicants = applicants();
    let kills = kills();
    let fake = Arc::new(FakeTelegram::start(TOKEN).await);
    let mut instances: Vec<Instance> = (0..config.instances)
        .map(|n| {
            Instance::new(&format!("instance{n}"), &config.dir, &config.database_url, &fake.url(), config.listener)
        })
        .collect();
    // One after the other: the first creates the schema.
    for instance in &mut instances {
        instance.launch(&fake).await;
    }
    if config.listener == Listener::Webhooks {
        let urls: Vec<String> = instances.iter().map(Instance::url).collect();
        fake.deliver_to_webhooks(&urls, Some(SECRET));
    }
    let startup = started.elapsed();

    let date = preferred_date();
    let progress = Arc::new(Progress::default());
    let load_started = Instant::now();
    let crowd: Vec<_> = (0..applicants as i64)
        .map(|n| {
            let user = FIRST_USER + n;
            tokio::spawn(applicant(Arc::clone(&fake), user, Answers::of(user, &date), Arc::clone(&progress)))
        })
        .collect();

    // Kill the victim at even steps of the expected number of messages, restart it each time.
    let expected_actions = applicants * ACTIONS_PER_FORM;
    let mut killed: Vec<Kill> = Vec::new();
    for k in 0..kills {
        let threshold = expected_actions * (k + 1) / (kills + 1);
        while progress.actions.load(Ordering::Relaxed) < threshold
            && progress.finished.load(Ordering::Relaxed) < applicants
            && load_started.elapsed() < LOAD_DEADLINE
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let unfinished = applicants - progress.finished.load(Ordering::Relaxed);
        if unfinished == 0 {
            break;
        }
        let victim = &mut instances[config.victim];
        victim.kill();
        // Once the process is gone: everything it acknowledged came before.
        let at = Instant::now();
        let actions = progress.actions.load(Ordering::Relaxed);
        tokio::time::sleep(RESTART_DELAY).await;
        victim.launch(&fake).await;
        let instance = victim.name.clone();
        killed.push(Kill { instance, at, unfinished, actions, downtime: at.elapsed() });
    }

    let mut outcomes: Vec<Outcome> = Vec::new();
    for task in crowd {
        outcomes.push(task.await.expect("an applicant task panicked"));
    }
    let load_time = load_started.elapsed();

    // Staff notifications go out at the group rate limit: wait a bounded time for them.
    let drain_started = Instant::now();
    let check_store = Store::connect(&config.database_url).await.expect("the test opens the database");
    while drain_started.elapsed() < drain_time() && unsent_to_staff(&check_store).await > 0 {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let drain_waited = drain_started.elapsed();
    let mut stops = Vec::new();
    for instance in &mut instances {
        stops.extend(instance.stop().await);
    }

    let timeline = Timeline { killed: &killed, stops: &stops, load_started };
    let taken = match config.listener {
        Listener::Webhooks => accepted(&fake, &instances),
        Listener::Polling => confirmed(&fake, instances[0].port),
    };
    let report = check(&fake, &check_store, &outcomes, &timeline, &taken, kills).await;
    check_store.close().await;
    let (errors, warnings) =
        instances.iter().map(Instance::log_levels).fold((0, 0), |acc, l| (acc.0 + l.0, acc.1 + l.1));
    let resends: u32 = outcomes.iter().map(|outcome| outcome.resends).sum();
    let corrections: u32 = outcomes.iter().map(|outcome| outcome.corrections).sum();
    let via_status = outcomes.iter().filter(|outcome| outcome.via_status).count();
    let downtimes: Vec<String> = killed.iter().map(|kill| format!("{:.1}s", kill.downtime.as_secs_f64())).collect();
    let at_unfinished: Vec<String> = killed.iter().map(|kill| kill.unfinished.to_string()).collect();
    let at_actions: Vec<String> = killed.iter().map(|kill| kill.actions.to_string()).collect();
    let mut unexpected: BTreeMap<String, usize> = BTreeMap::new();
    for text in outcomes.iter().flat_map(|outcome| &outcome.unexpected) {
        *unexpected.entry(text.clone()).or_default() += 1;
    }
    eprintln!(
        "crash[{}]: applicants={applicants} instances={} kills={} (unfinished at each kill: {}; messages sent by then: {}; \
         down {}) resends={resends} corrections={corrections} receipts_lost={via_status} lost={} duplicates={} \
         applications={} notifications_sent_once={}/{} notifications_pending={} notifications_twice={} staff_longest_pause={:.1}s \
         updates_accepted_never_handled={} bot_log_errors={errors} bot_log_warnings={warnings} startup={:.1}s \
         load={:.1}s drain_wait={:.1}s elapsed={:.1}s",
        config.backend,
        config.instances,
        killed.len(),
        at_unfinished.join("/"),
        at_actions.join("/"),
        downtimes.join("/"),
        report.lost,
        report.duplicates,
        report.applications,
        report.notified_once,
        report.applications,
        report.notifications_pending,
        report.notified_twice,
        report.staff_longest_pause.as_secs_f64(),
        report.accepted_never_handled,
        startup.as_secs_f64(),
        load_time.as_secs_f64(),
        drain_waited.as_secs_f64(),
        started.elapsed().as_secs_f64(),
    );
    if !unexpected.is_empty() {
        eprintln!("crash[{}]: replies that asked nothing: {unexpected:#?}", config.backend);
    }
    if !report.staff_gaps.is_empty() {
        eprintln!("crash[{}]: pauses between staff notifications: {}", config.backend, report.staff_gaps.join("; "));
    }
    if !report.failures.is_empty() {
        let tails: Vec<String> = instances.iter().map(|instance| instance.tail(30)).collect();
        panic!(
            "crash[{}]: {} problem(s):\n{}\n{}",
            config.backend,
            report.failures.len(),
            report.failures.join("\n"),
            tails.join("\n")
        );
    }
}

/// An update an instance acknowledged, so Telegram will not hand it out again.
struct Taken {
    update_id: i64,
    /// The instance's port.
    port: u16,
    at: Instant,
}

/// Updates a webhook answered with 2xx.
fn accepted(fake: &FakeTelegram, instances: &[Instance]) -> Vec<Taken> {
    let attempts = fake.webhook_attempts().into_iter().filter(|attempt| attempt.accepted());
    attempts
        .filter_map(|attempt| {
            let instance = instances.iter().find(|instance| instance.url() == attempt.url)?;
            Some(Taken { update_id: attempt.update_id, port: instance.port, at: attempt.at })
        })
        .collect()
}

/// Updates a getUpdates confirmed: each call's offset confirms every update below it.
fn confirmed(fake: &FakeTelegram, port: u16) -> Vec<Taken> {
    let mut taken = Vec::new();
    let mut below = 1;
    for call in fake.calls().into_iter().filter(|call| call.method == "getupdates") {
        let offset = &call.params["offset"];
        let offset = offset.as_i64().or_else(|| offset.as_str()?.parse().ok()).unwrap_or(0);
        taken.extend((below..offset).map(|update_id| Taken { update_id, port, at: call.at }));
        below = below.max(offset);
    }
    taken
}

/// An outbox row as the checks read it: payload, sent_at, failed_at, claimed_by, attempts.
type OutboxRow = (String, Option<i64>, Option<i64>, Option<String>, i64);

/// Staff notifications neither sent nor given up.
async fn unsent_to_staff(store: &Store) -> i64 {
    let Ok(mut conn) = store.acquire().await else { return i64::MAX };
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE chat = $1 AND sent_at IS NULL AND failed_at IS NULL")
        .bind(STAFF_CHAT.to_string())
        .fetch_one(&mut *conn)
        .await
        .unwrap_or(i64::MAX)
}

/// What the final checks found.
#[derive(Debug, Default)]
struct Report {
    applications: usize,
    /// Applicants without an application, or who did not get to the filing.
    lost: usize,
    /// Applicants with several applications, receipts or notifications sent more than once.
    duplicates: usize,
    notified_once: usize,
    notified_twice: usize,
    notifications_pending: usize,
    /// Updates an instance acknowledged and never handled.
    accepted_never_handled: usize,
    /// Pauses of more than 5 s between staff notifications.
    staff_gaps: Vec<String>,
    staff_longest_pause: Duration,
    failures: Vec<String>,
}

/// Every invariant of a run, each checked apart; the failures are collected in the report.
async fn check(
    fake: &FakeTelegram,
    store: &Store,
    outcomes: &[Outcome],
    timeline: &Timeline<'_>,
    taken: &[Taken],
    kills: usize,
) -> Report {
    let mut report = Report::default();
    let mut conn = store.acquire().await.expect("a connection");
    every_applicant_got_to_the_filing(fake, outcomes, &mut report);
    let listed = one_application_per_applicant_with_their_own_answers(&mut conn, outcomes, &mut report).await;
    at_most_one_receipt_each(fake, outcomes, &mut report);
    let staff_calls = staff_calls(fake);
    one_staff_notification_per_application(fake, &mut conn, &listed, &staff_calls, timeline, &mut report).await;
    no_acknowledged_update_is_lost(fake, &mut conn, taken, timeline, &mut report).await;
    staff_notifications_keep_flowing(fake, &staff_calls, timeline, &mut report);
    the_kills_happened_mid_load(timeline, kills, &mut report);
    report
}

/// (d) Every applicant got to the filing.
fn every_applicant_got_to_the_filing(fake: &FakeTelegram, outcomes: &[Outcome], report: &mut Report) {
    for outcome in outcomes.iter().filter(|outcome| outcome.failure.is_some()) {
        let chat = fake.sent(outcome.user);
        let last: Vec<&str> = chat.iter().rev().take(3).map(|sent| sent.text.as_str()).collect();
        report.fail(format!("user {} did not finish: {:?}; last messages: {last:?}", outcome.user, outcome.failure));
    }
}

/// (a) One application per applicant, with the applicant's own answers; the applications filed.
async fn one_application_per_applicant_with_their_own_answers(
    conn: &mut Conn,
    outcomes: &[Outcome],
    report: &mut Report,
) -> Vec<Application> {
    let count = applications::count(conn).await.expect("count applications");
    let listed = applications::list(conn, &Filter::default()).await.expect("list applications");
    report.applications = listed.len();
    if count != outcomes.len() as i64 {
        report.fail(format!("{count} applications for {} applicants", outcomes.len()));
    }
    let mut by_user: HashMap<i64, Vec<String>> = HashMap::new();
    for application in &listed {
        let user = users::by_id(conn, application.user_id).await.expect("read a user").expect("the user exists");
        let telegram_id: i64 = user.external_id.parse().expect("a Telegram user id");
        let answers = serde_json::to_string(&application.filing).expect("answers as JSON");
        if !answers.contains(&format!("\"{}\"", Answers::of(telegram_id, "").phone)) {
            report
                .fail(format!("{} of user {telegram_id} has someone else's answers: {answers}", application.reference));
        }
        by_user.entry(telegram_id).or_default().push(application.reference.clone());
    }
    for outcome in outcomes {
        let filed = by_user.get(&outcome.user).map_or(&[][..], Vec::as_slice);
        match filed {
            [] => {
                report.lost += 1;
                report.fail(format!("user {} has no application (outcome {outcome:?})", outcome.user));
            }
            [reference] => {
                if outcome.reference.as_deref().is_some_and(|seen| seen != reference) {
                    report
                        .fail(format!("user {} was told {:?} but filed {reference}", outcome.user, outcome.reference));
                }
            }
            several => {
                report.duplicates += several.len() - 1;
                report.fail(format!("user {} has {} applications: {several:?}", outcome.user, several.len()));
            }
        }
    }
    // Filed, but the applicant never saw it through.
    report.lost +=
        outcomes.iter().filter(|outcome| outcome.failure.is_some() && by_user.contains_key(&outcome.user)).count();
    let applicants: HashSet<i64> = outcomes.iter().map(|outcome| outcome.user).collect();
    for user in by_user.keys().filter(|user| !applicants.contains(user)) {
        report.fail(format!("an application from user {user}, who is no applicant"));
    }
    listed
}

/// (b) At most one receipt each; none only when the receipt went down with a killed instance
/// and /status showed the application.
fn at_most_one_receipt_each(fake: &FakeTelegram, outcomes: &[Outcome], report: &mut Report) {
    for outcome in outcomes {
        let receipts =
            fake.sent(outcome.user).iter().filter(|sent| !sent.edited && sent.text.contains("申请编号")).count();
        if receipts > 1 {
            report.duplicates += receipts - 1;
            report.fail(format!("user {} got {receipts} receipts", outcome.user));
        }
        if receipts == 0 && !outcome.via_status && outcome.failure.is_none() {
            report.fail(format!("user {} got no receipt: {outcome:?}", outcome.user));
        }
    }
}

/// The sendMessage calls into the staff chat that reached Telegram: when, and their text.
fn staff_calls(fake: &FakeTelegram) -> Vec<(Instant, String)> {
    fake.calls()
        .into_iter()
        .filter(|call| {
            call.method == "sendmessage" && call.params["chat_id"].to_string().contains(&STAFF_CHAT.to_string())
        })
        .map(|call| (call.at, call.params["text"].as_str().unwrap_or_default().to_owned()))
        .collect()
}

/// (c) Exactly one staff notification queued per application, none sent twice, each one sent
/// marked sent (a sent message not marked would be sent again when its lease expires).
async fn one_staff_notification_per_application(
    fake: &FakeTelegram,
    conn: &mut Conn,
    listed: &[Application],
    staff_calls: &[(Instant, String)],
    timeline: &Timeline<'_>,
    report: &mut Report,
) {
    let staff_messages = fake.sent(STAFF_CHAT);
    let sent_at = |reference: &str| {
        let times: Vec<String> = staff_calls
            .iter()
            .filter(|(_, text)| text.contains(reference))
            .map(|(at, _)| timeline.place(*at))
            .collect();
        times.join("; ")
    };
    let rows: Vec<OutboxRow> = sqlx::query_as(
        "SELECT payload, sent_at, failed_at, claimed_by, attempts FROM outbox WHERE chat = $1 ORDER BY id",
    )
    .bind(STAFF_CHAT.to_string())
    .fetch_all(&mut **conn)
    .await
    .expect("read the outbox");
    for application in listed {
        let reference = &application.reference;
        let queued: Vec<_> = rows.iter().filter(|row| row.0.contains(reference.as_str())).collect();
        let delivered = staff_messages
            .iter()
            .filter(|sent| !sent.edited && sent.text.contains("新申请") && sent.text.contains(reference.as_str()))
            .count();
        if queued.len() != 1 {
            report.fail(format!("{reference}: {} staff notifications queued", queued.len()));
        }
        match delivered {
            0 => report.notifications_pending += 1,
            1 => report.notified_once += 1,
            _ => {
                report.notified_twice += 1;
                report.duplicates += delivered - 1;
                report.fail(format!(
                    "{reference}: the staff chat got the notification {delivered} times; sendMessage reached Telegram {}",
                    sent_at(reference)
                ));
            }
        }
        let marked = queued.iter().any(|row| row.1.is_some());
        if marked && delivered == 0 {
            report.fail(format!("{reference}: marked sent, never arrived"));
        }
        if !marked && delivered > 0 {
            report.fail(format!(
                "{reference}: arrived but not marked sent, so it goes again when its lease expires; sendMessage \
                 reached Telegram {}; the outbox row is claimed by {:?} after {} failed attempts",
                sent_at(reference),
                queued.first().and_then(|row| row.3.clone()),
                queued.first().map_or(0, |row| row.4),
            ));
        }
        if queued.iter().any(|row| row.2.is_some()) {
            report.fail(format!("{reference}: the staff notification was given up"));
        }
    }
}

/// The webhook answers only once an update is handled, and polling confirms only what the inbox
/// holds, which a restarted instance handles first: nothing acknowledged may be lost. Handled are
/// the updates recorded one by one (group chats) and, as a private chat's updates are handled in
/// order, those at or below its last one handled.
async fn no_acknowledged_update_is_lost(
    fake: &FakeTelegram,
    conn: &mut Conn,
    taken: &[Taken],
    timeline: &Timeline<'_>,
    report: &mut Report,
) {
    let recorded: HashSet<i64> = sqlx::query_scalar::<_, i64>("SELECT update_id FROM processed_updates")
        .fetch_all(&mut **conn)
        .await
        .expect("read processed updates")
        .into_iter()
        .collect();
    let last_handled: HashMap<i64, i64> = sqlx::query_as::<_, (String, Option<i64>, Option<i64>)>(
        "SELECT u.external_id, u.last_update, s.last_update FROM users u \
         LEFT JOIN dialog_sessions s ON s.user_id = u.id",
    )
    .fetch_all(&mut **conn)
    .await
    .expect("read the last updates handled")
    .into_iter()
    .filter_map(|(user, on_user, on_form)| Some((user.parse().ok()?, on_user.max(on_form)?)))
    .collect();
    let handled = |update_id: i64| {
        let update = fake.update(update_id);
        let chat = ["/message/chat/id", "/callback_query/message/chat/id"]
            .iter()
            .find_map(|path| update.as_ref()?.pointer(path)?.as_i64());
        recorded.contains(&update_id)
            || chat.and_then(|chat| last_handled.get(&chat)).is_some_and(|&last| update_id <= last)
    };
    for taken in taken.iter().filter(|taken| !handled(taken.update_id)) {
        report.accepted_never_handled += 1;
        report.fail(format!(
            "update {} was acknowledged by the instance on port {} {} and never handled",
            taken.update_id,
            taken.port,
            timeline.place(taken.at)
        ));
    }
}

/// The pauses between staff notifications (a kill leaves the notification its sender had claimed
/// leased to a dead process), the end of the run closing the last pause; every update the fake
/// had to deliver was accepted.
fn staff_notifications_keep_flowing(
    fake: &FakeTelegram,
    staff_calls: &[(Instant, String)],
    timeline: &Timeline<'_>,
    report: &mut Report,
) {
    let mut times: Vec<Instant> = staff_calls.iter().map(|(at, _)| *at).collect();
    times.sort();
    times.extend(timeline.stops.first().map(|(signalled, _)| *signalled));
    let gaps: Vec<(Duration, Instant)> = times.windows(2).map(|pair| (pair[1] - pair[0], pair[0])).collect();
    report.staff_longest_pause = gaps.iter().map(|(gap, _)| *gap).max().unwrap_or_default();
    report.staff_gaps = gaps
        .into_iter()
        .filter(|(gap, _)| *gap > Duration::from_secs(5))
        .map(|(gap, after)| format!("{:.1}s after the notification {}", gap.as_secs_f64(), timeline.place(after)))
        .collect();
    if fake.webhook_backlog() != 0 {
        report.fail(format!("{} updates never accepted by any instance", fake.webhook_backlog()));
    }
}

/// The kills really happened mid-load.
fn the_kills_happened_mid_load(timeline: &Timeline<'_>, kills: usize, report: &mut Report) {
    let killed = timeline.killed;
    let mid_load = killed.iter().filter(|kill| kill.unfinished > 0).count();
    if mid_load < kills {
        report.fail(format!("only {mid_load} of {kills} kills happened while applicants were unfinished: {killed:?}"));
    }
}

impl Report {
    /// Notes a failure; enough to diagnose, as a systematic failure would otherwise print hundreds
    /// of lines.
    fn fail(&mut self, problem: String) {
        const SHOWN: usize = 40;
        if self.failures.len() < SHOWN {
            self.failures.push(problem);
        } else if self.failures.len() == SHOWN {
            self.failures.push("… (more problems not shown)".to_owned());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_one_instance_killed_mid_load() {
    run_on_sqlite("sqlite", Listener::Webhooks).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_polling_instance_killed_mid_load() {
    run_on_sqlite("sqlite polling", Listener::Polling).await;
}

/// One instance on a SQLite file in a temporary directory.
async fn run_on_sqlite(backend: &'static str, listener: Listener) {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let database_url = format!("sqlite://{}", dir.path().join("policybot.db").display());
    run(Run { backend, database_url, dir: dir.path().to_owned(), listener, instances: 1, victim: 0 }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_instances_one_killed_mid_load() {
    let Some(server) = throwaway::server("postgres_two_instances_one_killed_mid_load") else { return };
    let _serial = SERIAL.lock().await;
    let name = format!("policybot_crash_{}", std::process::id());
    let database_url = throwaway::create(&server, &name).await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (listener, dir) = (Listener::Webhooks, dir.path().to_owned());
    let config = Run { backend: "postgres", database_url, dir, listener, instances: 2, victim: 1 };
    // In a task of its own, so that the database is dropped even when a check fails.
    let outcome = tokio::spawn(run(config)).await;
    throwaway::drop(&server, &name).await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}
