//! Resident memory with many open dialogs: users start the tax-guidance form through the bot core
//! as Telegram users and stop after a few answers, leaving their dialogs open, as people do who
//! wander off mid-form.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use policybot::store::{StoreError, sessions};

use crate::database::{Database, DatabaseError};
use crate::dialog::{self, DialogError, Driver};
use crate::memory::{self, MemoryError};
use crate::report::{Check, Findings, Section, show_count, show_megabytes};
use crate::{BenchError, Mode};

/// Messages each user sends before leaving: the request, consent and their name.
const STEPS_BEFORE_LEAVING: usize = 3;
/// Users starting forms at once.
const CONCURRENCY: usize = 100;
/// The most resident memory 10,000 open dialogs may take, in bytes.
const TARGET: u64 = 100_000_000;

/// The memory measurement failed.
#[derive(Debug, thiserror::Error)]
pub enum RssError {
    /// The database could not be made.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// A user's form could not be started.
    #[error(transparent)]
    Dialog(#[from] DialogError),
    /// Counting the open dialogs failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Resident memory could not be read.
    #[error(transparent)]
    Memory(#[from] MemoryError),
    /// A simulated user panicked.
    #[error("a simulated user failed")]
    Task(#[from] tokio::task::JoinError),
    /// Dialogs expected open are not.
    #[error("{expected} dialogs should be open but {open} are")]
    Open { expected: usize, open: i64 },
}

/// The memory area.
pub fn measure(mode: Mode) -> Result<Findings, BenchError> {
    let dialogs = mode.pick(10_000, 50);
    let (before, after) = crate::runtime()?.block_on(open_dialogs(dialogs))?;
    let shown = show_count(dialogs as f64);
    let mut section = Section::new(
        "Memory",
        format!(
            "{shown} Telegram users start the tax-guidance form through the bot core ({CONCURRENCY} at a time) \
             and leave after {STEPS_BEFORE_LEAVING} messages, so {shown} dialogs stay open, in a process of its \
             own with the app on a SQLite file. Resident memory (`VmRSS`) is read from /proc before the first user \
             and after the last."
        ),
        &["what", "figure", "target"],
    );
    let per_dialog = after.saturating_sub(before) / dialogs as u64;
    section.row([format!("RSS with {shown} open dialogs"), show_megabytes(after), "≤ 100 MB".to_owned()]);
    section.row(["RSS of the app before any user".to_owned(), show_megabytes(before), String::new()]);
    section.row(["growth per open dialog".to_owned(), format!("{:.1} kB", per_dialog as f64 / 1e3), String::new()]);
    let mut findings = Findings::default();
    findings.checks.push(Check::new(
        &format!("RSS with {shown} open dialogs ≤ 100 MB"),
        show_megabytes(after),
        after <= TARGET,
    ));
    findings.sections.push(section);
    Ok(findings)
}

/// Leaves `dialogs` dialogs open; resident memory before and after, in bytes.
async fn open_dialogs(dialogs: usize) -> Result<(u64, u64), RssError> {
    let database = Database::sqlite()?;
    let app = dialog::build_app(&database, dialog::clock()).await?;
    let before = memory::resident()?;
    // As Telegram users, so the per-user rate-limit windows are part of what is measured.
    let driver = Driver::new(app.bot.clone(), policybot::telegram::PROFILE.name);
    let started = Arc::new(AtomicUsize::new(0));
    let users: Vec<_> = (0..CONCURRENCY.min(dialogs))
        .map(|_| {
            let (driver, started) = (Arc::clone(&driver), Arc::clone(&started));
            tokio::spawn(async move {
                while started.fetch_add(1, Ordering::Relaxed) < dialogs {
                    let mut walk = driver.walk();
                    for _ in 0..STEPS_BEFORE_LEAVING {
                        walk.step().await?;
                    }
                }
                Ok::<_, DialogError>(())
            })
        })
        .collect();
    for user in users {
        user.await??;
    }
    let after = memory::resident()?;
    let mut conn = app.bot.store().acquire().await?;
    let open = sessions::count(&mut conn).await?;
    if open != dialogs as i64 {
        return Err(RssError::Open { expected: dialogs, open });
    }
    Ok((before, after))
}
