//! The audit log of staff actions: who saw, decided or exported what, and when. (An application's
//! own history of status changes is in `events`.)

use sqlx::AnyConnection;

use super::StoreError;

/// Records that `actor` did `action` (with `detail`) at `now`.
pub async fn record(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    detail: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO audit_log (actor, action, detail, created_at) VALUES ($1, $2, $3, $4)")
        .bind(actor)
        .bind(action)
        .bind(detail)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// An entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Entry {
    /// Who.
    pub actor: String,
    /// Did what (`show`, `approved`, `export`, `login`…).
    pub action: String,
    /// To what.
    pub detail: String,
    /// When (epoch ms).
    pub created_at: i64,
}

/// The latest `limit` entries, newest first.
pub async fn latest(conn: &mut AnyConnection, limit: i64) -> Result<Vec<Entry>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT actor, action, detail, created_at FROM audit_log ORDER BY id DESC LIMIT ",
        limit!("$1")
    ))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    super::decode_all(&rows)
}
