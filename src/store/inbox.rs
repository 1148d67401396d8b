//! Updates fetched from the messenger but perhaps not handled yet. Long polling stores a batch
//! here before it confirms the batch to Telegram, so an update survives a crash between the
//! confirmation and its handling; the records of [`super::updates`] tell which stored updates
//! were handled already.

use sqlx::AnyConnection;

use super::StoreError;

/// One stored update.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Stored {
    /// The messenger's id of the update (increasing).
    pub update_id: i64,
    /// The update as the messenger sent it (JSON).
    pub body: String,
}

/// Stores `batch` of `channel` in one statement; updates stored before are left as they are.
pub async fn keep(conn: &mut AnyConnection, channel: &str, batch: &[Stored], now: i64) -> Result<(), StoreError> {
    if batch.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO inbox (channel, received_at, update_id, body) VALUES {} \
         ON CONFLICT (channel, update_id) DO NOTHING",
        super::values(batch.len(), 2, 2)
    );
    // Only placeholders are formatted into the text; the values are bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(channel).bind(now);
    for stored in batch {
        query = query.bind(stored.update_id).bind(stored.body.as_str());
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// Every stored update of `channel`, oldest first.
pub async fn stored(conn: &mut AnyConnection, channel: &str) -> Result<Vec<Stored>, StoreError> {
    let rows = sqlx::query("SELECT update_id, body FROM inbox WHERE channel = $1 ORDER BY update_id")
        .bind(channel)
        .fetch_all(&mut *conn)
        .await?;
    super::decode_all(&rows)
}

/// Deletes the stored updates of `channel` below `update_id` (all of them handled).
pub async fn forget_below(conn: &mut AnyConnection, channel: &str, update_id: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM inbox WHERE channel = $1 AND update_id < $2")
        .bind(channel)
        .bind(update_id)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// Deletes the updates of every channel stored before `before`; how many.
pub async fn forget_received(conn: &mut AnyConnection, before: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM inbox WHERE received_at < $1").bind(before).execute(&mut *conn).await?.rows_affected())
}
