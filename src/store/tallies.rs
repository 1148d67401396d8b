//! Counts per day for the console's figures: how far people get in each form, how questions go
//! and which clauses answers quote. Nothing personal: a day, what is counted, how many.

use sqlx::AnyConnection;

use super::{Statement, StoreError, decode_all};

/// What a count counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    /// Progress through a form: subject `<flow>/<mark>`.
    Form,
    /// How a question went: subject `answered`, `uncertain`, `refused`, `handover`.
    Question,
    /// A clause an answer quoted: subject the clause's number (`十七`).
    Clause,
}

impl Metric {
    /// The name stored.
    pub fn name(self) -> &'static str {
        match self {
            Self::Form => "form",
            Self::Question => "question",
            Self::Clause => "clause",
        }
    }
}

/// The subject of a question answered with confidence (the others are named as in the question
/// log: `uncertain`, `refused`, `handover`).
pub const ANSWERED: &str = "answered";

/// The marks of a form run, the subjects of [`Metric::Form`] after `<flow>/`.
pub mod mark {
    /// A run began.
    pub const STARTED: &str = "started";
    /// A run gave its consent.
    pub const CONSENT: &str = "consent";
    /// The prefix of a step answered (`answered:phone`).
    pub const ANSWERED: &str = "answered:";
    /// A run reached the summary.
    pub const SUMMARY: &str = "summary";
    /// A run filed its application.
    pub const FILED: &str = "filed";
}

/// One count.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Tally {
    /// The day, `YYYY-MM-DD` in China time.
    pub day: String,
    /// What was counted.
    pub subject: String,
    /// How many.
    pub count: i64,
}

/// Adds `count` to the count of `subject` of `metric` on `day`.
pub fn add(metric: Metric, day: &str, subject: &str, count: i64) -> Statement {
    Statement::new(
        "INSERT INTO daily_counts (metric, day, subject, count) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (metric, day, subject) DO UPDATE SET count = daily_counts.count + $4",
    )
    .bind(metric.name())
    .bind(day)
    .bind(subject)
    .bind(count)
}

/// The counts of `metric` from day `from` to day `to` (both included), by day and subject.
pub async fn between(conn: &mut AnyConnection, metric: Metric, from: &str, to: &str) -> Result<Vec<Tally>, StoreError> {
    let rows = sqlx::query(
        "SELECT day, subject, count FROM daily_counts WHERE metric = $1 AND day >= $2 AND day <= $3 \
         ORDER BY day, subject",
    )
    .bind(metric.name())
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    decode_all(&rows)
}
