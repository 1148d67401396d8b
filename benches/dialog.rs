//! Dialog steps per second through the bot core with SQLite persistence: every step loads the
//! user and the form state and saves the new state (and files the application at the end) before
//! replying, on a WAL database file. Run with `cargo bench --bench dialog`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use policybot::app::{App, Settings};
use policybot::bot::{Bot, Input, Sender};
use policybot::clock::Clock;

/// One tax-guidance appointment, from the first message to the filing, as a new user sends it.
const CONVERSATION: [&str; 9] =
    ["预约个税汇算辅导", "同意", "赵六", "13900139000", "湛江晨鸣浆纸", "2026-11-24", "1", "年终奖怎么计税", "确认"];

/// Walks users through the conversation: each call sends the next message of the next user.
struct Driver {
    bot: Bot,
    next: AtomicUsize,
}

impl Driver {
    async fn step(&self) {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let (user, message) = (n / CONVERSATION.len(), CONVERSATION[n % CONVERSATION.len()]);
        let sender = Sender::new("bench", user.to_string(), None);
        let replies = self.bot.handle(&sender, Input::Text(message.to_owned())).await;
        assert!(!replies.is_empty());
    }
}

async fn driver(dir: &std::path::Path) -> Arc<Driver> {
    let settings = Settings {
        database_url: format!("sqlite://{}", dir.join("bench.db").display()),
        corpus: None,
        dialogs: None,
        files_dir: dir.join("files"),
        staff: policybot::notify::Staff::default(),
    };
    let app = App::build(&settings, Clock::fixed(2026, 11, 23, 10)).await.expect("app");
    Arc::new(Driver { bot: app.bot, next: AtomicUsize::new(0) })
}

/// Steps run by `users` concurrent users for `duration`, per second.
async fn throughput(driver: &Arc<Driver>, users: usize, duration: Duration) -> f64 {
    let start = Instant::now();
    let done = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..users)
        .map(|_| {
            let (driver, done) = (Arc::clone(driver), Arc::clone(&done));
            tokio::spawn(async move {
                while start.elapsed() < duration {
                    driver.step().await;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let driver = runtime.block_on(driver(dir.path()));
    let smoke = std::env::args().any(|arg| arg == "--test");
    let duration = if smoke { Duration::from_millis(200) } else { Duration::from_secs(3) };
    for users in [1, 10, 100] {
        // The median of three rounds: this VM's scheduler makes single runs vary by ±15%.
        let mut rates: Vec<f64> = (0..3).map(|_| runtime.block_on(throughput(&driver, users, duration))).collect();
        rates.sort_by(f64::total_cmp);
        println!(
            "dialog steps/s, SQLite, {users} concurrent user(s): median {:.0} (min {:.0}, max {:.0})",
            rates[1], rates[0], rates[2]
        );
    }

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("dialog");
    group.throughput(Throughput::Elements(1));
    group.bench_function("one step (SQLite)", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iterations {
                    driver.step().await;
                }
                start.elapsed()
            })
        })
    });
    group.finish();
    criterion.final_summary();
}
