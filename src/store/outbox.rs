//! Messages that must reach a chat even if the process dies: written in the transaction of the
//! change they report, claimed by a sender for a lease, marked sent, or retried later.

use sqlx::AnyConnection;

use super::{Statement, StoreError, decode_all, one_row};

/// The columns of [`Pending`].
macro_rules! columns {
    () => {
        "id, channel, chat, payload, attempts"
    };
}

/// A message waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Pending {
    /// Our id (sending order within a chat).
    pub id: i64,
    /// The messenger (`telegram`).
    pub channel: String,
    /// The chat to send to.
    pub chat: String,
    /// What to send, as JSON (the sender's format).
    pub payload: String,
    /// Failed attempts so far.
    pub attempts: i64,
}

/// Queues `payload` for `chat` on `channel`, due now.
pub fn enqueue(channel: &str, chat: &str, payload: &str, now: i64) -> Statement {
    Statement::new(
        "INSERT INTO outbox (channel, chat, payload, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(channel)
    .bind(chat)
    .bind(payload)
    .bind(now)
}

/// Claims up to `limit` due messages of `channel` for `worker` until `now + lease_ms`: for each
/// chat only its oldest unsent message, so that chats keep their order across senders. On
/// PostgreSQL the candidate rows are locked with `SKIP LOCKED`, so concurrent senders on several
/// instances never claim the same row; SQLite has one writer at a time anyway.
pub async fn claim(
    conn: &mut AnyConnection,
    channel: &str,
    worker: &str,
    now: i64,
    lease_ms: i64,
    limit: i64,
) -> Result<Vec<Pending>, StoreError> {
    macro_rules! claim {
        ($lock:literal) => {
            concat!(
                "UPDATE outbox SET claimed_by = $1, claimed_until = $2 WHERE id IN ( \
                   SELECT o.id FROM outbox o \
                   WHERE o.channel = $3 AND o.sent_at IS NULL AND o.failed_at IS NULL AND o.next_attempt_at <= $4 \
                     AND (o.claimed_until IS NULL OR o.claimed_until < $4) \
                     AND o.id = (SELECT MIN(e.id) FROM outbox e WHERE e.chat = o.chat AND e.channel = o.channel \
                                 AND e.sent_at IS NULL AND e.failed_at IS NULL) \
                   ORDER BY o.id LIMIT ",
                limit!("$5"),
                " ",
                $lock,
                ") RETURNING ",
                columns!()
            )
        };
    }
    let sql = if conn.backend_name() == "PostgreSQL" { claim!("FOR UPDATE SKIP LOCKED") } else { claim!("") };
    let rows = sqlx::query(sql)
        .bind(worker)
        .bind(now + lease_ms)
        .bind(channel)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    let mut claimed: Vec<Pending> = decode_all(&rows)?;
    claimed.sort_by_key(|pending| pending.id);
    Ok(claimed)
}

/// Releases the claims `worker` holds: called by a restarted instance (the same worker cannot be
/// running elsewhere), so that what its previous run had in hand goes out now rather than when
/// the lease runs out. Returns how many were released.
pub async fn release(conn: &mut AnyConnection, worker: &str) -> Result<u64, StoreError> {
    let result = sqlx::query(
        "UPDATE outbox SET claimed_until = NULL WHERE claimed_by = $1 AND sent_at IS NULL AND failed_at IS NULL \
           AND claimed_until IS NOT NULL",
    )
    .bind(worker)
    .execute(&mut *conn)
    .await?;
    Ok(result.rows_affected())
}

/// Marks a message sent.
pub async fn mark_sent(conn: &mut AnyConnection, id: i64, now: i64) -> Result<(), StoreError> {
    let result = sqlx::query("UPDATE outbox SET sent_at = $2, claimed_until = NULL WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    one_row(result)
}

/// Puts a message back for another attempt at `next_attempt_at`.
pub async fn retry_later(
    conn: &mut AnyConnection,
    id: i64,
    next_attempt_at: i64,
    error: &str,
) -> Result<(), StoreError> {
    let result = sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2, claimed_until = NULL, last_error = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(next_attempt_at)
    .bind(error)
    .execute(&mut *conn)
    .await?;
    one_row(result)
}

/// Gives up on a message the messenger will never accept (the user blocked the bot); it stays for
/// staff to see, and the chat's next message can go.
pub async fn give_up(conn: &mut AnyConnection, id: i64, error: &str, now: i64) -> Result<(), StoreError> {
    let result = sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, failed_at = $2, claimed_until = NULL, last_error = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .bind(error)
    .execute(&mut *conn)
    .await?;
    one_row(result)
}

/// Deletes the messages sent before `before`; how many.
pub async fn forget_sent(conn: &mut AnyConnection, before: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM outbox WHERE sent_at < $1").bind(before).execute(&mut *conn).await?.rows_affected())
}

/// How many messages are neither sent nor given up.
pub async fn unsent(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL")
        .fetch_one(&mut *conn)
        .await?)
}
