//! Dialog steps per second through the bot core (`Bot::handle`), with SQLite and with PostgreSQL
//! persistence: users walk through the tax-guidance appointment from their first message to the
//! filing, and every step loads the user and the form, runs the engine and saves the new state
//! before the reply goes out.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use policybot::app::{App, AppError, Settings};
use policybot::bot::{Bot, Input, Sender};
use policybot::clock::Clock;
use policybot::filing::{Filing, Status};
use policybot::store::applications::{self, NewApplication};
use policybot::store::{Store, StoreError, users};

use crate::database::{Database, DatabaseError, POSTGRES_VAR};
use crate::report::{Check, Findings, Section, show_count};
use crate::stats::Rates;
use crate::{BenchError, Mode};

/// One tax-guidance appointment as a new user sends it: the request, consent, six answers and the
/// confirmation that files it.
pub const CONVERSATION: [&str; 9] =
    ["预约个税汇算辅导", "同意", "赵六", "13900139000", "湛江晨鸣浆纸", "2026-11-24", "1", "年终奖怎么计税", "确认"];
/// Concurrent users of a dialog measurement.
pub const CONCURRENCY: [usize; 3] = [1, 10, 100];
/// Steps per second the bot must sustain on SQLite.
const SQLITE_TARGET: f64 = 5_000.0;
/// Not a messenger, so the per-user rate limit (meant for Telegram floods) stays out of the way of
/// a user sending thousands of messages a second.
pub const BENCH_CHANNEL: &str = "bench";
/// What a seeded application holds: a filed appointment of typical size, as the bot files it.
const SEED_ANSWERS: &str = r#"{"answers":{"name":{"type":"text","value":"赵六"},"phone":{"type":"phone","value":"13900139000"},"employer":{"type":"text","value":"湛江晨鸣浆纸"},"preferred_date":{"type":"date","value":"2026-11-24"},"time_slot":{"type":"choice","value":"morning"},"question":{"type":"text","value":"年终奖怎么计税"}},"lang":"zh"}"#;

/// A dialog measurement failed.
#[derive(Debug, thiserror::Error)]
pub enum DialogError {
    /// The database could not be made or dropped.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// The application did not start.
    #[error(transparent)]
    App(#[from] AppError),
    /// Seeding or counting failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A message got no reply at all.
    #[error("user {user} got no reply to {message:?}")]
    NoReply { user: usize, message: &'static str },
    /// Conversations finished without filing, or filed more than once: the figures would not be
    /// what they claim to be.
    #[error("{finished} conversations finished but {filed} applications were filed")]
    Filed { finished: usize, filed: i64 },
    /// A simulated user panicked.
    #[error("a simulated user failed")]
    Task(#[from] tokio::task::JoinError),
}

/// The day the conversation happens on: its date (2026-11-24) must be a future working day.
pub fn clock() -> Clock {
    Clock::fixed(2026, 11, 23, 10)
}

/// The application on `database` with the shipped corpus and forms and no staff.
pub async fn build_app(database: &Database, clock: Clock) -> Result<App, DialogError> {
    let settings = Settings {
        database_url: database.url().into(),
        corpus: None,
        dialogs: None,
        files_dir: database.files_dir(),
        staff: policybot::bot::Staff::default(),
    };
    Ok(App::build(&settings, clock).await?)
}

/// Sends users through [`CONVERSATION`] and counts the conversations finished.
#[derive(Debug)]
pub struct Driver {
    bot: Bot,
    channel: &'static str,
    /// The last messenger update id handed out, when messages come as updates.
    updates: Option<AtomicI64>,
    users: AtomicUsize,
    finished: AtomicUsize,
}

impl Driver {
    /// A driver for `bot` whose users write on `channel`, message by message (`Bot::handle`, as
    /// the terminal chat sends them).
    pub fn new(bot: Bot, channel: &'static str) -> Arc<Self> {
        Arc::new(Self { bot, channel, updates: None, users: AtomicUsize::new(0), finished: AtomicUsize::new(0) })
    }

    /// A driver whose messages come as numbered updates (`Bot::handle_update`, as Telegram sends
    /// them): each step also records its update id, in the transaction of its changes.
    pub fn with_update_ids(bot: Bot, channel: &'static str) -> Arc<Self> {
        let updates = Some(AtomicI64::new(0));
        Arc::new(Self { bot, channel, updates, users: AtomicUsize::new(0), finished: AtomicUsize::new(0) })
    }

    /// One user walking through conversations in order, a new user for each.
    pub fn walk(self: &Arc<Self>) -> Walk {
        Walk { driver: Arc::clone(self), user: self.users.fetch_add(1, Ordering::Relaxed), step: 0 }
    }

    /// Checks that every finished conversation filed one application, besides `seeded` ones.
    pub async fn check_filings(&self, seeded: usize) -> Result<(), DialogError> {
        let mut conn = self.bot.store().acquire().await?;
        let filed = applications::count(&mut conn).await? - seeded as i64;
        let finished = self.finished.load(Ordering::Relaxed);
        if filed == finished as i64 { Ok(()) } else { Err(DialogError::Filed { finished, filed }) }
    }
}

/// A user's place in the conversation. Steps of one user go strictly one after another, as a
/// person types them; concurrency comes from several walks.
#[derive(Debug)]
pub struct Walk {
    driver: Arc<Driver>,
    user: usize,
    step: usize,
}

impl Walk {
    /// Sends the next message and waits for the replies.
    pub async fn step(&mut self) -> Result<(), DialogError> {
        let message = CONVERSATION[self.step];
        let sender = Sender::new(self.driver.channel, self.user.to_string(), None);
        let input = Input::Text(message.to_owned());
        let bot = &self.driver.bot;
        let replies = match &self.driver.updates {
            Some(updates) => bot.handle_update(&sender, input, updates.fetch_add(1, Ordering::Relaxed) + 1).await,
            None => bot.handle(&sender, input).await,
        };
        if replies.is_empty() {
            return Err(DialogError::NoReply { user: self.user, message });
        }
        self.step += 1;
        if self.step == CONVERSATION.len() {
            self.driver.finished.fetch_add(1, Ordering::Relaxed);
            self.user = self.driver.users.fetch_add(1, Ordering::Relaxed);
            self.step = 0;
        }
        Ok(())
    }
}

/// Steps per second of `users` concurrent walks over `duration`.
pub async fn throughput(driver: &Arc<Driver>, users: usize, duration: Duration) -> Result<f64, DialogError> {
    let start = Instant::now();
    let walks: Vec<_> = (0..users)
        .map(|_| {
            let mut walk = driver.walk();
            tokio::spawn(async move {
                let mut steps = 0usize;
                while start.elapsed() < duration {
                    walk.step().await?;
                    steps += 1;
                }
                Ok::<_, DialogError>(steps)
            })
        })
        .collect();
    let mut steps = 0;
    for walk in walks {
        steps += walk.await??;
    }
    Ok(steps as f64 / start.elapsed().as_secs_f64())
}

/// [`throughput`] over `rounds` rounds.
pub async fn rates(
    driver: &Arc<Driver>,
    users: usize,
    duration: Duration,
    rounds: usize,
) -> Result<Rates, DialogError> {
    let mut rates = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        rates.push(throughput(driver, users, duration).await?);
    }
    Ok(Rates::new(rates))
}

/// Files `count` applications of as many users in one transaction, as if the bot had run a while.
pub async fn seed(store: &Store, count: usize, now: i64) -> Result<(), DialogError> {
    seed_each(store, count, |_| Seed { flow: "tax-guidance", status: Status::Submitted, filed_at: now }).await
}

/// Where a seeded application stands.
#[derive(Debug, Clone, Copy)]
pub struct Seed {
    /// The flow it was filed with.
    pub flow: &'static str,
    /// Its review status.
    pub status: Status,
    /// When it was filed (epoch ms).
    pub filed_at: i64,
}

/// Files `count` applications of as many users in one transaction, the `n`th (from 0) as
/// `seed(n)` says, under the reference `ZJ-SEED-2025-{n:06}` (shaped as a real one).
pub async fn seed_each(store: &Store, count: usize, seed: impl Fn(usize) -> Seed) -> Result<(), DialogError> {
    let filing: Filing = serde_json::from_str(SEED_ANSWERS).expect("the seed is a filing");
    let mut tx = store.begin().await?;
    for n in 0..count {
        let Seed { flow, status, filed_at } = seed(n);
        let user = users::get_or_create(&mut tx, "seed", &n.to_string(), "zh", filed_at).await?;
        let reference = seed_reference(n);
        let application = NewApplication { reference: &reference, flow, user_id: user.id, filing: &filing, status };
        applications::insert(&application, filed_at)?.execute(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The reference of the `n`th seeded application.
pub fn seed_reference(n: usize) -> String {
    format!("ZJ-SEED-2025-{n:06}")
}

/// How long each round lasts and how many there are.
#[derive(Debug, Clone, Copy)]
pub struct Rounds {
    /// One round.
    pub duration: Duration,
    /// Rounds per figure; the median is reported.
    pub count: usize,
}

impl Rounds {
    /// Three 3-second rounds; 100 ms once in a smoke run.
    pub fn of(mode: Mode) -> Self {
        Self { duration: mode.pick(Duration::from_secs(3), Duration::from_millis(100)), count: mode.pick(3, 1) }
    }

    /// The rates of each number of concurrent users in `users` through `driver`, whose database
    /// holds `seeded` applications filed before.
    pub async fn measure(
        self,
        driver: &Arc<Driver>,
        seeded: usize,
        users: &[usize],
    ) -> Result<Vec<(usize, Rates)>, DialogError> {
        let mut results = Vec::with_capacity(users.len());
        for &concurrency in users {
            results.push((concurrency, rates(driver, concurrency, self.duration, self.count).await?));
        }
        driver.check_filings(seeded).await?;
        Ok(results)
    }

    /// How the figures were made, for the report.
    pub fn describe(self) -> String {
        format!(
            "Each concurrent user walks the 9-message tax-guidance appointment (request, consent, six answers, \
             confirmation) in order as a new user, then starts over as another, so the figures include user \
             creation, consent and filing; each step is one message through the bot core (`Bot::handle`), which \
             loads the user and the form, runs the engine and saves the new state before replying. Median of {} \
             round(s) of {:?} (min–max); afterwards the applications filed are checked against the conversations \
             finished.",
            self.count, self.duration
        )
    }
}

/// `median (min–max)` of a rate.
pub fn show_rates(rates: &Rates) -> String {
    format!("{} ({}–{})", show_count(rates.median()), show_count(rates.min()), show_count(rates.max()))
}

/// The dialog area: SQLite, as the terminal and as Telegram sends messages, then PostgreSQL when
/// a server is named.
pub fn measure(mode: Mode) -> Result<Findings, BenchError> {
    let rounds = Rounds::of(mode);
    let mut findings = Findings::default();
    let mut section = Section::new(
        "Dialogs",
        format!(
            "{} SQLite is a file in a temporary directory in WAL mode with `synchronous = NORMAL`, as the store \
             opens it; PostgreSQL is a fresh database on the server `{POSTGRES_VAR}` names, dropped afterwards. \
             \"With update ids\" sends each message as Telegram does, with an update id the step records in the \
             transaction of its changes (`Bot::handle_update`), so a redelivered update is not handled twice.",
            rounds.describe()
        ),
        &["persistence", "concurrent users", "steps/s", "target"],
    );
    crate::runtime()?.block_on(async {
        for (persistence, updates) in [("SQLite", false), ("SQLite, with update ids", true)] {
            for (users, rates) in measure_on(Database::sqlite()?, rounds, updates).await? {
                let target = if updates { String::new() } else { format!("≥ {}", show_count(SQLITE_TARGET)) };
                section.row([persistence.to_owned(), users.to_string(), show_rates(&rates), target]);
                if !updates {
                    findings.checks.push(Check::new(
                        &format!("dialog steps/s with SQLite, {users} concurrent user(s) ≥ 5,000"),
                        show_count(rates.median()),
                        rates.median() >= SQLITE_TARGET,
                    ));
                }
            }
        }
        match std::env::var(POSTGRES_VAR) {
            Ok(server) => {
                for (users, rates) in measure_on(Database::postgres(&server).await?, rounds, false).await? {
                    section.row(["PostgreSQL".to_owned(), users.to_string(), show_rates(&rates), String::new()]);
                }
            }
            Err(_) => section.note(format!("PostgreSQL was skipped: {POSTGRES_VAR} is not set.")),
        }
        Ok::<_, DialogError>(())
    })?;
    findings.sections.push(section);
    Ok(findings)
}

/// The rates at every [`CONCURRENCY`] on a new `database`, removed afterwards whatever happened
/// on it; with `updates`, messages come as numbered updates.
async fn measure_on(database: Database, rounds: Rounds, updates: bool) -> Result<Vec<(usize, Rates)>, DialogError> {
    let measured = async {
        let app = build_app(&database, clock()).await?;
        let driver = match updates {
            true => Driver::with_update_ids(app.bot.clone(), BENCH_CHANNEL),
            false => Driver::new(app.bot.clone(), BENCH_CHANNEL),
        };
        let measured = rounds.measure(&driver, 0, &CONCURRENCY).await;
        app.bot.store().close().await;
        measured
    }
    .await;
    database.remove().await?;
    measured
}
