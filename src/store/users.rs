//! People talking to the bot: one row per channel ("telegram", "cli") and id on that channel,
//! with the language they chose and the version of the privacy notice they consented to.

use sqlx::AnyConnection;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::sessions::{self, Session};
use super::{Statement, StoreError, decode, decode_optional, one_row};

/// The subject of the conflict when a private chat's update was already handled.
pub const UPDATE_HANDLED: &str = "the last update handled";

/// The columns of [`User`], in one place for every query that returns users.
macro_rules! columns {
    () => {
        "id, channel, external_id, lang, consent_version, consent_at, created_at, last_update, last_question, \
         last_question_at"
    };
}

/// A person talking to the bot on one channel.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    /// Our id, used by every other table.
    pub id: i64,
    /// The channel the user talks on ("telegram", "cli").
    pub channel: String,
    /// The user's id on that channel.
    pub external_id: String,
    /// The language of replies ("zh", "zh-Hant", "en").
    pub lang: String,
    /// The privacy notice version the user consented to; `None` before consent or after it was
    /// withdrawn.
    pub consent_version: Option<String>,
    /// When the consent was given (epoch ms), set together with `consent_version`.
    pub consent_at: Option<i64>,
    /// When the user was first seen (epoch ms).
    pub created_at: i64,
    /// The last update of the user's private chat handled while no form was open, or the one that
    /// closed a form (see [`mark_update`]).
    pub last_update: Option<i64>,
    /// The question the user asked last (identifiers redacted), for reading a follow-up.
    pub last_question: Option<String>,
    /// When it was asked (epoch ms).
    pub last_question_at: Option<i64>,
}

/// The user with this channel and id, created with `lang` when first seen (an existing user keeps
/// their language). Concurrent first messages of one user create one row. Meant for users not
/// found by [`with_session`]: it writes before it reads.
pub async fn get_or_create(
    conn: &mut AnyConnection,
    channel: &str,
    external_id: &str,
    lang: &str,
    now: i64,
) -> Result<User, StoreError> {
    // Callers look users up first (with_session), so this is nearly always a first message:
    // insert first, and read only when a concurrent first message won. DO NOTHING rather than
    // catching a unique violation, which would abort the caller's PostgreSQL transaction.
    let inserted = sqlx::query(concat!(
        "INSERT INTO users (channel, external_id, lang, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (channel, external_id) DO NOTHING RETURNING ",
        columns!()
    ))
    .bind(channel)
    .bind(external_id)
    .bind(lang)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    match decode_optional(inserted)? {
        Some(user) => Ok(user),
        None => by_external_id(conn, channel, external_id).await?.ok_or(StoreError::Query(sqlx::Error::RowNotFound)),
    }
}

async fn by_external_id(
    conn: &mut AnyConnection,
    channel: &str,
    external_id: &str,
) -> Result<Option<User>, StoreError> {
    let row = sqlx::query(concat!("SELECT ", columns!(), " FROM users WHERE channel = $1 AND external_id = $2"))
        .bind(channel)
        .bind(external_id)
        .fetch_optional(&mut *conn)
        .await?;
    decode_optional(row)
}

/// The user with this channel and id and their form in progress, in one query: every message
/// needs both, and each query is a round trip.
pub async fn with_session(
    conn: &mut AnyConnection,
    channel: &str,
    external_id: &str,
) -> Result<Option<(User, Option<Session>)>, StoreError> {
    let row = sqlx::query(
        "SELECT u.id, u.channel, u.external_id, u.lang, u.consent_version, u.consent_at, u.created_at, \
         u.last_update, u.last_question, u.last_question_at, s.flow AS session_flow, s.state AS session_state, s.version AS session_version, \
         s.updated_at AS session_updated_at, s.last_update AS session_last_update \
         FROM users u LEFT JOIN dialog_sessions s ON s.user_id = u.id \
         WHERE u.channel = $1 AND u.external_id = $2",
    )
    .bind(channel)
    .bind(external_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let user: User = decode(&row)?;
    let session = session_of(&row, user.id)
        .map_err(|error| StoreError::Corrupt(format!("session of user {}: {error}", user.id)))?;
    Ok(Some((user, session.map(Session::try_from).transpose()?)))
}

fn session_of(row: &AnyRow, user_id: i64) -> Result<Option<sessions::Row>, sqlx::Error> {
    let Some(version) = row.try_get::<Option<i64>, _>("session_version")? else { return Ok(None) };
    Ok(Some(sessions::Row {
        user_id,
        flow: row.try_get("session_flow")?,
        state: row.try_get("session_state")?,
        version,
        updated_at: row.try_get("session_updated_at")?,
        last_update: row.try_get("session_last_update")?,
    }))
}

/// The user with this id, if any.
pub async fn by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<User>, StoreError> {
    let row = sqlx::query(concat!("SELECT ", columns!(), " FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    decode_optional(row)
}

/// Changes the user's language.
pub async fn set_lang(conn: &mut AnyConnection, id: i64, lang: &str) -> Result<(), StoreError> {
    let result =
        sqlx::query("UPDATE users SET lang = $2 WHERE id = $1").bind(id).bind(lang).execute(&mut *conn).await?;
    one_row(result)
}

/// Records that the user consented to version `version` of the privacy notice at `now`.
pub fn record_consent(id: i64, version: &str, now: i64) -> Statement {
    Statement::new("UPDATE users SET consent_version = $2, consent_at = $3 WHERE id = $1")
        .bind(id)
        .bind(version)
        .bind(now)
        .must_find()
}

/// Remembers the question the user asked at `now` (redacted), and, for a messenger update of the
/// user's private chat, records it handled as [`mark_update`] does, in the same statement; `false`
/// when that update or a later one already was.
pub async fn note_question(
    conn: &mut AnyConnection,
    id: i64,
    question: &str,
    now: i64,
    update_id: Option<i64>,
) -> Result<bool, StoreError> {
    let result = match update_id {
        None => {
            sqlx::query("UPDATE users SET last_question = $2, last_question_at = $3 WHERE id = $1")
                .bind(id)
                .bind(question)
                .bind(now)
                .execute(&mut *conn)
                .await?
        }
        Some(update_id) => {
            sqlx::query(
                "UPDATE users SET last_question = $2, last_question_at = $3, last_update = $4 \
                 WHERE id = $1 AND (last_update IS NULL OR last_update < $4) \
                 AND NOT EXISTS (SELECT 1 FROM dialog_sessions WHERE user_id = $1 AND last_update >= $4)",
            )
            .bind(id)
            .bind(question)
            .bind(now)
            .bind(update_id)
            .execute(&mut *conn)
            .await?
        }
    };
    Ok(result.rows_affected() == 1)
}

/// Forgets the question the user asked last.
pub async fn forget_question(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET last_question = NULL, last_question_at = NULL WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Withdraws the user's consent.
pub async fn clear_consent(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    let result = sqlx::query("UPDATE users SET consent_version = NULL, consent_at = NULL WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    one_row(result)
}

/// Records that update `update_id` of the user's private chat is handled; a conflict over
/// [`UPDATE_HANDLED`] if it or a later one already was, on the user's row or their form's. A
/// private chat's updates are handled in order, so this marks every earlier one handled too; run
/// it with the update's changes.
pub fn mark_update(id: i64, update_id: i64) -> Statement {
    Statement::new(
        "UPDATE users SET last_update = $2 \
         WHERE id = $1 AND (last_update IS NULL OR last_update < $2) \
         AND NOT EXISTS (SELECT 1 FROM dialog_sessions WHERE user_id = $1 AND last_update >= $2)",
    )
    .bind(id)
    .bind(update_id)
    .must_change(UPDATE_HANDLED)
}
