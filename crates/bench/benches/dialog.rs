//! Dialog micro-benchmark: criterion on one step after another through the bot core on SQLite,
//! after the suite's steps/s at 1, 10 and 100 concurrent users. The whole dialog area, with
//! PostgreSQL, is `policybot-bench --only dialog`.
//! Run with `cargo bench -p policybot-bench --bench dialog`.

use std::time::Instant;

use criterion::{Criterion, Throughput};
use policybot_bench::Mode;
use policybot_bench::database::Database;
use policybot_bench::dialog::{self, BENCH_CHANNEL, CONCURRENCY, Driver, Rounds};

fn main() {
    // `cargo bench` passes --bench; without it (`cargo test --benches`) a quick check is enough.
    let mode = if std::env::args().any(|arg| arg == "--bench") { Mode::Full } else { Mode::Smoke };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let database = Database::sqlite().expect("a temporary database");
    let app = runtime.block_on(dialog::build_app(&database, dialog::clock())).expect("the app starts");
    let driver = Driver::new(app.bot.clone(), BENCH_CHANNEL);
    for (users, rates) in runtime.block_on(Rounds::of(mode).measure(&driver, 0, &CONCURRENCY)).expect("dialogs run") {
        println!("dialog steps/s, SQLite, {users} concurrent user(s): {}", dialog::show_rates(&rates));
    }

    let mut walk = driver.walk();
    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("dialog");
    group.throughput(Throughput::Elements(1));
    group.bench_function("one step (SQLite)", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iterations {
                    walk.step().await.expect("the step is answered");
                }
                start.elapsed()
            })
        })
    });
    group.finish();
    criterion.final_summary();
}
