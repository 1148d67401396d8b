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

/// The latest `limit` entries, newest first, as (actor, action, detail, time).
pub async fn latest(conn: &mut AnyConnection, limit: i64) -> Result<Vec<(String, String, String, i64)>, StoreError> {
    Ok(sqlx::query_as("SELECT actor, action, detail, created_at FROM audit_log ORDER BY id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?)
}
