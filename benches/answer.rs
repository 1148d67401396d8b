//! Q&A latency: one question answered in-process (criterion, plus p50/p99 over every question
//! of the dev and independent sets), corpus load time, and process start → first answer of the
//! real binary. Run with `cargo bench --bench answer`.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::Criterion;
use policybot::assets::Assets;
use policybot::lang::Lang;
use policybot::policy::Policy;

fn questions() -> Vec<String> {
    ["qa-dev.jsonl", "qa-extra.jsonl"]
        .iter()
        .flat_map(|file| {
            let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(path).expect("question file");
            policybot::eval::parse_items(&text).expect("valid file").into_iter().map(|item| item.question)
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort_unstable();
    println!(
        "{name}: n={} p50={:.3?} p99={:.3?} max={:.3?}",
        samples.len(),
        percentile(&samples, 0.50),
        percentile(&samples, 0.99),
        samples[samples.len() - 1]
    );
}

fn main() {
    let questions = questions();

    let loads: Vec<Duration> = (0..10)
        .map(|_| {
            let start = Instant::now();
            black_box(Policy::load(&Assets::corpus(None)).expect("corpus loads"));
            start.elapsed()
        })
        .collect();
    report("load corpus (jieba dictionary, parse, index build)", loads);

    let policy = Policy::load(&Assets::corpus(None)).expect("corpus loads");
    let latencies: Vec<Duration> = (0..20_000)
        .map(|i| {
            let question = &questions[i % questions.len()];
            let start = Instant::now();
            black_box(policy.answer(question, Lang::Zh).expect("answers"));
            start.elapsed()
        })
        .collect();
    report("answer one question in-process", latencies);

    let starts: Vec<Duration> = (0..30)
        .map(|_| {
            let start = Instant::now();
            let output = Command::new(env!("CARGO_BIN_EXE_policybot"))
                .args(["ask", "高级技师能不能落户啊"])
                .output()
                .expect("policybot runs");
            assert!(output.status.success());
            start.elapsed()
        })
        .collect();
    report("process start -> first answer (policybot ask)", starts);

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("answer");
    for (name, question) in [
        ("zh", "高级技师能不能落户啊"),
        ("zh-Hant", "世界技能大賽獲獎者屬於哪一類人才？"),
        ("en", "How long can a visa or residence permit for a foreign talent team be valid?"),
        ("out-of-scope", "湛江明天会下雨吗？"),
    ] {
        group.bench_function(name, |b| b.iter(|| policy.answer(black_box(question), Lang::Zh).expect("answers")));
    }
    group.finish();
    criterion.final_summary();
}
