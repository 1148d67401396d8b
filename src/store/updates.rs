//! Updates already handled: a redelivered update (after a crash or a lost acknowledgement) is
//! recognised and not handled twice.

use sqlx::AnyConnection;

use super::{Statement, StoreError};

/// Records that `update_id` of `channel` is handled; a conflict over
/// [`UPDATE_HANDLED`](super::users::UPDATE_HANDLED) if it already was. Run it with the update's
/// changes, so that the record and the changes commit together.
pub fn record(channel: &str, update_id: i64, now: i64) -> Statement {
    Statement::new(
        "INSERT INTO processed_updates (channel, update_id, processed_at) VALUES ($1, $2, $3) \
         ON CONFLICT (channel, update_id) DO NOTHING",
    )
    .bind(channel)
    .bind(update_id)
    .bind(now)
    .must_change(super::users::UPDATE_HANDLED)
}

/// Whether `update_id` of `channel` was handled.
pub async fn seen(conn: &mut AnyConnection, channel: &str, update_id: i64) -> Result<bool, StoreError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT update_id FROM processed_updates WHERE channel = $1 AND update_id = $2")
            .bind(channel)
            .bind(update_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(found.is_some())
}

/// Forgets records older than `before` (the messenger no longer redelivers them).
pub async fn prune(conn: &mut AnyConnection, before: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM processed_updates WHERE processed_at < $1")
        .bind(before)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}
