//! The dialog state of the form a user is filling in, saved after every step so that a restart
//! resumes where the user was. The state is the dialog engine's, stored as JSON; the version makes
//! concurrent saves (two bot instances, a double-tapped button) fail instead of overwriting.

use sqlx::AnyConnection;

use super::{Statement, StoreError, decode_optional, from_json, to_json};
use crate::dialog::engine::DialogState;

/// What [`StoreError::Conflict`] names when a session changed under the caller.
const SESSION: &str = "dialog session";

/// A user's form in progress.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The user filling the form (one session per user).
    pub user_id: i64,
    /// The flow being filled.
    pub flow: String,
    /// The dialog engine's state.
    pub state: DialogState,
    /// 1 when created, incremented by every save.
    pub version: i64,
    /// When it was last saved (epoch ms).
    pub updated_at: i64,
    /// The last update of the user's private chat this form handled, if it came from a messenger.
    pub last_update: Option<i64>,
}

/// A session as stored, its state as JSON.
#[derive(sqlx::FromRow)]
pub(super) struct Row {
    pub(super) user_id: i64,
    pub(super) flow: String,
    pub(super) state: String,
    pub(super) version: i64,
    pub(super) updated_at: i64,
    pub(super) last_update: Option<i64>,
}

impl TryFrom<Row> for Session {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        let state = from_json(&row.state, &format!("the form of user {}", row.user_id))?;
        let Row { user_id, flow, version, updated_at, last_update, .. } = row;
        Ok(Session { user_id, flow, state, version, updated_at, last_update })
    }
}

/// The user's session, if any.
pub async fn get(conn: &mut AnyConnection, user_id: i64) -> Result<Option<Session>, StoreError> {
    let row = sqlx::query(
        "SELECT user_id, flow, state, version, updated_at, last_update FROM dialog_sessions WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    decode_optional::<Row>(row)?.map(Session::try_from).transpose()
}

/// Saves `state` (of the flow it names). `expected` = the version the caller read (None = it saw
/// no session). Inserts (version 1) or updates where version = expected, to the version
/// [`version_after`] says; Conflict if the row changed meanwhile (or already exists when expected
/// is None). `update` is the id of the private chat's update being handled, kept as the form's
/// last one (None keeps the last one as it is).
pub fn save(
    user_id: i64,
    state: &DialogState,
    expected: Option<i64>,
    update: Option<i64>,
    now: i64,
) -> Result<Statement, StoreError> {
    // Both statements change no row when someone else got there first; DO NOTHING rather than a
    // failing INSERT keeps the caller's PostgreSQL transaction usable.
    let statement = match expected {
        None => Statement::new(
            "INSERT INTO dialog_sessions (user_id, flow, state, version, updated_at, last_update) \
             VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT (user_id) DO NOTHING",
        ),
        // The CAST gives PostgreSQL a type for a parameter that may be NULL.
        Some(_) => Statement::new(
            "UPDATE dialog_sessions SET flow = $2, state = $3, version = version + 1, updated_at = $4, \
             last_update = COALESCE(CAST($5 AS BIGINT), last_update) \
             WHERE user_id = $1 AND version = $6",
        ),
    };
    let json = to_json(state, "a form's state")?;
    let statement = statement.bind(user_id).bind(state.flow.as_str()).bind(json).bind(now).bind(update);
    let statement = match expected {
        None => statement,
        Some(version) => statement.bind(version),
    };
    Ok(statement.must_change(SESSION))
}

/// The version a session saved over version `expected` has.
pub fn version_after(expected: Option<i64>) -> i64 {
    expected.map_or(1, |version| version + 1)
}

/// Deletes the session; with Some(expected) only if still at that version (Conflict otherwise);
/// None = unconditionally. Deleting nothing is fine when expected is None.
pub fn delete(user_id: i64, expected: Option<i64>) -> Statement {
    // The CAST gives PostgreSQL a type for a NULL parameter it sees only in `IS NULL`.
    let statement = Statement::new(
        "DELETE FROM dialog_sessions \
         WHERE user_id = $1 AND (CAST($2 AS BIGINT) IS NULL OR version = $2)",
    )
    .bind(user_id)
    .bind(expected);
    match expected {
        Some(_) => statement.must_change(SESSION),
        None => statement,
    }
}

/// How many forms are in progress.
pub async fn count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM dialog_sessions").fetch_one(&mut *conn).await?)
}
