//! How the figures grow: Q&A latency and index build with a 10× and 100× corpus, and dialog
//! throughput with 1k, 10k and 100k applications already stored.

use std::time::Instant;

use policybot::eval;

use crate::corpus;
use crate::database::Database;
use crate::dialog::{self, BENCH_CHANNEL, DialogError, Driver, Rounds, show_rates};
use crate::qa::{self, QaError};
use crate::report::{Findings, Section, show_count, show_duration};
use crate::stats::Samples;
use crate::{BenchError, Mode};

/// Concurrent users of the dialog scaling figures.
const USERS: usize = 10;

/// The scaling area.
pub fn measure(mode: Mode) -> Result<Findings, BenchError> {
    let mut findings = Findings::default();
    findings.sections.push(corpus_growth(mode)?);
    findings.sections.push(store_growth(mode)?);
    Ok(findings)
}

fn corpus_growth(mode: Mode) -> Result<Section, BenchError> {
    let factors = mode.pick([1, 10, 100], [1, 2, 3]);
    let passes = mode.pick(20, 1);
    let questions = qa::questions()?;
    let dev = qa::items(qa::QUESTION_FILES[0])?;
    let mut section = Section::new(
        "Q&A as the corpus grows",
        format!(
            "The shipped corpus with the sentences of every clause repeated, each copy with its numbers varied (a \
             starting year in front, every figure shifted), written in the corpus format and loaded with \
             `Policy::load` from that directory; ×1 is the shipped corpus through the same path. Latency over the \
             {} questions, each answered once to warm up and then {passes} more times; accuracy on `{}`, where \
             copies compete with the clause they were made from.",
            questions.len(),
            qa::QUESTION_FILES[0]
        ),
        &["corpus", "passages", "index build", "answer p50 / p99 / max", "accuracy"],
    );
    for factor in factors {
        let dir = corpus::synthesise(factor)?;
        let (load, policy) = qa::time_loads(Some(dir.path()), 1)?;
        let times = qa::time_answers(&policy, &questions, passes)?;
        let times = Samples::new(times.into_iter().flatten().collect());
        let report = eval::evaluate(&policy, dev.clone()).map_err(QaError::from)?;
        section.row([
            format!("×{factor}"),
            show_count(policy.document().passages.len() as f64),
            show_duration(load.max()),
            format!("{} / {} / {}", show_duration(times.p50()), show_duration(times.p99()), show_duration(times.max())),
            format!("{}/{}", report.passed(), report.results.len()),
        ]);
    }
    Ok(section)
}

fn store_growth(mode: Mode) -> Result<Section, BenchError> {
    let stored = mode.pick(&[0, 1_000, 10_000, 100_000][..], &[0, 10, 100][..]);
    let rounds = Rounds::of(mode);
    let mut section = Section::new(
        "Dialogs as the stored applications grow",
        format!(
            "The dialog measurement with {USERS} concurrent users on SQLite, on a database already holding that many \
             applications of as many users (stored through the store's own queries in one transaction before the \
             rounds start). {}",
            rounds.describe()
        ),
        &["applications stored", "storing them", "steps/s"],
    );
    crate::runtime()?.block_on(async {
        for &count in stored {
            let database = Database::sqlite()?;
            let app = dialog::build_app(&database, dialog::clock()).await?;
            let start = Instant::now();
            dialog::seed(app.bot.store(), count, dialog::clock().now_ms()).await?;
            let seeding = start.elapsed();
            let driver = Driver::new(app.bot.clone(), BENCH_CHANNEL);
            let measured = rounds.measure(&driver, count, &[USERS]).await?;
            app.bot.store().close().await;
            database.remove().await?;
            for (_, rates) in measured {
                section.row([show_count(count as f64), show_duration(seeding), show_rates(&rates)]);
            }
        }
        Ok::<_, DialogError>(())
    })?;
    Ok(section)
}
