//! The web chat's conversations: what each visitor sent and what the bot said, in order, so that
//! a reloaded page shows the conversation again; and the hand-over of messages nobody asked for
//! (status changes) from the outbox into a visitor's conversation when their page asks.

use sqlx::AnyConnection;

use super::{StoreError, decode_all, from_json, to_json};
use crate::reply::{Button, Reply};

/// The columns of [`Row`].
macro_rules! columns {
    () => {
        "id, role, text, buttons, created_at"
    };
}

/// Who said something in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The visitor.
    User,
    /// The bot.
    Bot,
}

impl Role {
    fn code(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Bot => "bot",
        }
    }
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its place in the conversation (increasing).
    pub id: i64,
    /// Who said it.
    pub role: Role,
    /// What was said.
    pub text: String,
    /// The buttons under it (the bot's only).
    pub buttons: Vec<Button>,
    /// When (epoch ms).
    pub at: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    role: String,
    text: String,
    buttons: String,
    created_at: i64,
}

impl TryFrom<Row> for Entry {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        let role = match row.role.as_str() {
            "user" => Role::User,
            "bot" => Role::Bot,
            other => return Err(StoreError::Corrupt(format!("chat entry {} has the role {other:?}", row.id))),
        };
        let buttons = from_json(&row.buttons, &format!("the buttons of chat entry {}", row.id))?;
        Ok(Entry { id: row.id, role, text: row.text, buttons, at: row.created_at })
    }
}

/// The `previous` column of [`add`].
#[derive(sqlx::FromRow)]
struct Previous {
    previous: i64,
}

fn entries(rows: &[sqlx::any::AnyRow]) -> Result<Vec<Entry>, StoreError> {
    decode_all::<Row>(rows)?.into_iter().map(Entry::try_from).collect()
}

/// An entry to add to a conversation.
#[derive(Debug, Clone, Copy)]
pub struct NewEntry<'a> {
    /// Who said it.
    pub role: Role,
    /// What was said.
    pub text: &'a str,
    /// The buttons under it.
    pub buttons: &'a [Button],
}

impl<'a> NewEntry<'a> {
    /// What the visitor said.
    pub fn said(text: &'a str) -> Self {
        Self { role: Role::User, text, buttons: &[] }
    }

    /// A reply of the bot.
    pub fn reply(reply: &'a Reply) -> Self {
        Self { role: Role::Bot, text: &reply.text, buttons: &reply.buttons }
    }
}

/// Entries added to a conversation at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Added {
    /// The entries, in the conversation's order.
    pub entries: Vec<Entry>,
    /// The visitor's latest entry before them (0 for none): a page whose last entry is this one
    /// lacks only `entries`.
    pub previous: i64,
}

/// Adds `new` to `visitor`'s conversation in one statement, in order (all or none).
pub async fn add(conn: &mut AnyConnection, visitor: &str, new: &[NewEntry<'_>], now: i64) -> Result<Added, StoreError> {
    if new.is_empty() {
        return Ok(Added::default());
    }
    // The latest earlier entry of each row's visitor: PostgreSQL's subquery sees the table as the
    // statement found it, SQLite's also the rows added before, so only the first row's (the
    // least) is the visitor's latest before the statement on both.
    let sql = format!(
        concat!(
            "INSERT INTO chat_history (visitor, created_at, role, text, buttons) VALUES {} RETURNING ",
            columns!(),
            ", (SELECT COALESCE(MAX(earlier.id), 0) FROM chat_history earlier \
             WHERE earlier.visitor = chat_history.visitor AND earlier.id < chat_history.id) AS previous"
        ),
        super::values(new.len(), 2, 3)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(visitor).bind(now);
    for entry in new {
        query = query.bind(entry.role.code()).bind(entry.text).bind(to_json(&entry.buttons, "a chat entry's buttons")?);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let previous = decode_all::<Previous>(&rows)?.into_iter().map(|row| row.previous).min().unwrap_or(0);
    let mut entries = entries(&rows)?;
    // In the order of `new`: both backends number the rows of one statement in order.
    entries.sort_by_key(|entry| entry.id);
    Ok(Added { entries, previous })
}

/// `visitor`'s entries after the entry `after`, oldest first, at most `limit`.
pub async fn since(conn: &mut AnyConnection, visitor: &str, after: i64, limit: i64) -> Result<Vec<Entry>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM chat_history WHERE visitor = $1 AND id > $2 ORDER BY id LIMIT ",
        limit!("$3")
    ))
    .bind(visitor)
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    entries(&rows)
}

/// `visitor`'s last `limit` entries, oldest first.
pub async fn recent(conn: &mut AnyConnection, visitor: &str, limit: i64) -> Result<Vec<Entry>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM chat_history WHERE visitor = $1 ORDER BY id DESC LIMIT ",
        limit!("$2")
    ))
    .bind(visitor)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut entries = entries(&rows)?;
    entries.reverse();
    Ok(entries)
}

/// Erases `visitor`'s conversation; how many entries it had.
pub async fn forget(conn: &mut AnyConnection, visitor: &str) -> Result<u64, StoreError> {
    let result = sqlx::query("DELETE FROM chat_history WHERE visitor = $1").bind(visitor).execute(&mut *conn).await?;
    Ok(result.rows_affected())
}

/// Deletes the entries made before `before` (the retention period); how many.
pub async fn prune(conn: &mut AnyConnection, before: i64) -> Result<u64, StoreError> {
    let result = sqlx::query("DELETE FROM chat_history WHERE created_at < $1").bind(before).execute(&mut *conn).await?;
    Ok(result.rows_affected())
}

/// Whether messages nobody asked for wait in the outbox for `visitor` on `channel`: a read, so
/// that a page asking for news does not write when there is none.
pub async fn has_unasked(conn: &mut AnyConnection, channel: &str, visitor: &str) -> Result<bool, StoreError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM outbox WHERE chat = $1 AND channel = $2 AND sent_at IS NULL AND failed_at IS NULL LIMIT 1",
    )
    .bind(visitor)
    .bind(channel)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}

/// Moves the messages waiting in the outbox for `visitor` on `channel` into the conversation, in
/// the order they were queued, marking them sent; how many. Run in a transaction: the outbox rows
/// are marked in the statement that reads them, so two pages asking at once take each once.
pub async fn take_unasked(
    conn: &mut AnyConnection,
    channel: &str,
    visitor: &str,
    now: i64,
) -> Result<usize, StoreError> {
    let taken: Vec<(i64, String)> = sqlx::query_as(
        "UPDATE outbox SET sent_at = $3, claimed_until = NULL \
         WHERE chat = $1 AND channel = $2 AND sent_at IS NULL AND failed_at IS NULL RETURNING id, payload",
    )
    .bind(visitor)
    .bind(channel)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    let mut taken = taken;
    taken.sort_by_key(|(id, _)| *id);
    let queued: Vec<Reply> = taken
        .iter()
        .map(|(id, payload)| from_json(payload, &format!("outbox message {id}")))
        .collect::<Result<_, _>>()?;
    add(conn, visitor, &queued.iter().map(NewEntry::reply).collect::<Vec<_>>(), now).await?;
    Ok(taken.len())
}
