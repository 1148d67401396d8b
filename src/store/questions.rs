//! The log of questions the bot could not answer, answered without much confidence, or handed
//! over to a person: redacted text, language, how it went and when — never who asked.

use sqlx::AnyConnection;

use super::StoreError;

/// How a logged question went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The policy does not cover it (as far as the bot could tell).
    Refused,
    /// Answered, but only just above the decision's threshold.
    Uncertain,
    /// The person asked to talk to a person.
    Handover,
}

impl Outcome {
    /// The name stored in the database.
    pub fn name(self) -> &'static str {
        match self {
            Self::Refused => "refused",
            Self::Uncertain => "uncertain",
            Self::Handover => "handover",
        }
    }

    fn parse(name: &str) -> Result<Self, StoreError> {
        match name {
            "refused" => Ok(Self::Refused),
            "uncertain" => Ok(Self::Uncertain),
            "handover" => Ok(Self::Handover),
            other => Err(StoreError::Corrupt(format!("question outcome {other:?}"))),
        }
    }
}

/// A question as logged.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// When it was asked (epoch ms).
    pub asked_at: i64,
    /// Its language code.
    pub lang: String,
    /// How it went.
    pub outcome: Outcome,
    /// Its text, identifiers redacted.
    pub text: String,
    /// The decision's confidence in the best passage, where there was one.
    pub confidence: Option<f64>,
}

/// Logs a question. `question.text` must already be redacted.
pub async fn record(conn: &mut AnyConnection, question: &Question) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO questions (asked_at, lang, kind, text, confidence) VALUES ($1, $2, $3, $4, $5)")
        .bind(question.asked_at)
        .bind(&question.lang)
        .bind(question.outcome.name())
        .bind(&question.text)
        .bind(question.confidence)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The questions asked at or after `since` (epoch ms), oldest first, at most `limit`.
pub async fn since(conn: &mut AnyConnection, since: i64, limit: i64) -> Result<Vec<Question>, StoreError> {
    let rows: Vec<(i64, String, String, String, Option<f64>)> = sqlx::query_as(
        concat!(
            "SELECT asked_at, lang, kind, text, confidence FROM questions WHERE asked_at >= $1 ORDER BY asked_at, id LIMIT ",
            limit!("$2")
        ),
    )
    .bind(since)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(asked_at, lang, kind, text, confidence)| {
            Ok(Question { asked_at, lang, outcome: Outcome::parse(&kind)?, text, confidence })
        })
        .collect()
}
