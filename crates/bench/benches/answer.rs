//! Q&A micro-benchmarks: criterion on one question per language and one out of scope, after the
//! suite's in-process figures (load and p50/p99 over every dev and independent question). The
//! whole Q&A area, with start-up and the Python peer, is `policybot-bench --only qa`.
//! Run with `cargo bench -p policybot-bench --bench answer`.

use std::hint::black_box;

use criterion::Criterion;
use policybot::lang::Lang;
use policybot_bench::qa;
use policybot_bench::report::show_duration;
use policybot_bench::stats::Samples;

fn main() {
    // `cargo bench` passes --bench; without it (`cargo test --benches`) a quick check is enough.
    let smoke = !std::env::args().any(|arg| arg == "--bench");
    let (loads, policy) = qa::time_loads(None, if smoke { 1 } else { 10 }).expect("the corpus loads");
    let questions = qa::questions().expect("the question files");
    let passes = if smoke { 1 } else { 20_000usize.div_ceil(questions.len()) };
    let times = qa::time_answers(&policy, &questions, passes).expect("every question is answered");
    let answers = Samples::new(times.into_iter().flatten().collect());
    println!("Policy::load: p50 {} max {}", show_duration(loads.p50()), show_duration(loads.max()));
    println!(
        "answer, {} questions × {passes}: p50 {} p99 {} max {}",
        questions.len(),
        show_duration(answers.p50()),
        show_duration(answers.p99()),
        show_duration(answers.max())
    );

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
