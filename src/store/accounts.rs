//! Staff accounts of the web console and their signed-in sessions. A session row holds the
//! SHA-256 of the id in the browser's cookie, never the id itself.

use sqlx::AnyConnection;

use super::{StoreError, decode_all, decode_optional, one_row};

/// The columns of [`Account`], in one place for every query that returns accounts.
macro_rules! columns {
    () => {
        "id, username, display_name, role, password_hash, disabled_at, created_at, updated_at"
    };
}

/// A staff account as stored. The role is checked by the staff module, which owns what it means.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Account {
    /// Our id.
    pub id: i64,
    /// The name it signs in with; unique.
    pub username: String,
    /// The name shown in the console.
    pub display_name: String,
    /// `reviewer` or `admin`.
    pub role: String,
    /// The Argon2id hash of its password (a PHC string).
    pub password_hash: String,
    /// When it was disabled (epoch ms); a disabled account cannot sign in.
    pub disabled_at: Option<i64>,
    /// When it was created (epoch ms).
    pub created_at: i64,
    /// When its password, role or state last changed (epoch ms).
    pub updated_at: i64,
}

/// An account about to be created.
#[derive(Debug, Clone, Copy)]
pub struct NewAccount<'a> {
    /// The name it signs in with.
    pub username: &'a str,
    /// The name shown.
    pub display_name: &'a str,
    /// `reviewer` or `admin`.
    pub role: &'a str,
    /// The password's hash.
    pub password_hash: &'a str,
}

/// Creates an account at `now`; a username in use is a [`Conflict`](StoreError::Conflict).
pub async fn insert(conn: &mut AnyConnection, new: &NewAccount<'_>, now: i64) -> Result<Account, StoreError> {
    let row = sqlx::query(concat!(
        "INSERT INTO staff_accounts (username, display_name, role, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING ",
        columns!()
    ))
    .bind(new.username)
    .bind(new.display_name)
    .bind(new.role)
    .bind(new.password_hash)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|error| match error {
        sqlx::Error::Database(ref db) if db.is_unique_violation() => StoreError::Conflict { what: "username" },
        error => error.into(),
    })?;
    super::decode(&row)
}

/// The account with this username, if any.
pub async fn by_username(conn: &mut AnyConnection, username: &str) -> Result<Option<Account>, StoreError> {
    let row = sqlx::query(concat!("SELECT ", columns!(), " FROM staff_accounts WHERE username = $1"))
        .bind(username)
        .fetch_optional(&mut *conn)
        .await?;
    decode_optional(row)
}

/// Every account, by username.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<Account>, StoreError> {
    let rows = sqlx::query(concat!("SELECT ", columns!(), " FROM staff_accounts ORDER BY username"))
        .fetch_all(&mut *conn)
        .await?;
    decode_all(&rows)
}

/// Disables the account (keeping the time it was first disabled) and ends its sessions.
pub async fn disable(conn: &mut AnyConnection, id: i64, now: i64) -> Result<(), StoreError> {
    let result =
        sqlx::query("UPDATE staff_accounts SET disabled_at = COALESCE(disabled_at, $2), updated_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    one_row(result)?;
    end_sessions(conn, id).await
}

/// Sets the account's password hash and ends its sessions.
pub async fn set_password(conn: &mut AnyConnection, id: i64, hash: &str, now: i64) -> Result<(), StoreError> {
    let result = sqlx::query("UPDATE staff_accounts SET password_hash = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(hash)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    one_row(result)?;
    end_sessions(conn, id).await
}

/// A session with its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The account signed in.
    pub account: Account,
    /// When the session began (epoch ms).
    pub created_at: i64,
    /// When it was last used, to a minute (epoch ms).
    pub seen_at: i64,
}

/// Starts a session under `id_hash` for the account at `now`.
pub async fn open_session(
    conn: &mut AnyConnection,
    id_hash: &str,
    account_id: i64,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO staff_sessions (id_hash, account_id, created_at, seen_at) VALUES ($1, $2, $3, $3)")
        .bind(id_hash)
        .bind(account_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The session under `id_hash` with its account, if there is one.
pub async fn session(conn: &mut AnyConnection, id_hash: &str) -> Result<Option<Session>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        account: Account,
        session_created_at: i64,
        seen_at: i64,
    }
    let row = sqlx::query(
        "SELECT a.id, a.username, a.display_name, a.role, a.password_hash, a.disabled_at, a.created_at, \
         a.updated_at, s.created_at AS session_created_at, s.seen_at \
         FROM staff_sessions s JOIN staff_accounts a ON a.id = s.account_id WHERE s.id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(decode_optional::<Row>(row)?.map(|row| Session {
        account: row.account,
        created_at: row.session_created_at,
        seen_at: row.seen_at,
    }))
}

/// Notes that the session under `id_hash` was used at `now`.
pub async fn touch_session(conn: &mut AnyConnection, id_hash: &str, now: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE staff_sessions SET seen_at = $2 WHERE id_hash = $1")
        .bind(id_hash)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Ends the session under `id_hash` (nothing if there is none).
pub async fn close_session(conn: &mut AnyConnection, id_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM staff_sessions WHERE id_hash = $1").bind(id_hash).execute(&mut *conn).await?;
    Ok(())
}

/// Ends every session of the account.
pub async fn end_sessions(conn: &mut AnyConnection, account_id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM staff_sessions WHERE account_id = $1").bind(account_id).execute(&mut *conn).await?;
    Ok(())
}

/// Deletes the sessions last used before `idle_before` or begun before `begun_before`.
pub async fn prune_sessions(conn: &mut AnyConnection, idle_before: i64, begun_before: i64) -> Result<u64, StoreError> {
    let result = sqlx::query("DELETE FROM staff_sessions WHERE seen_at < $1 OR created_at < $2")
        .bind(idle_before)
        .bind(begun_before)
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected())
}

/// Failed sign-ins of one subject (an account or an address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Failures {
    /// How many since `first_at`.
    pub failures: i64,
    /// When the first of them happened (epoch ms).
    pub first_at: i64,
    /// No sign-in of this subject is tried before this (epoch ms).
    pub blocked_until: i64,
}

/// The failed sign-ins of `subject`, if any are on record.
pub async fn failures(conn: &mut AnyConnection, subject: &str) -> Result<Option<Failures>, StoreError> {
    let row = sqlx::query("SELECT failures, first_at, blocked_until FROM login_failures WHERE subject = $1")
        .bind(subject)
        .fetch_optional(&mut *conn)
        .await?;
    decode_optional(row)
}

/// Records the failed sign-ins of `subject`.
pub async fn set_failures(conn: &mut AnyConnection, subject: &str, failures: &Failures) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO login_failures (subject, failures, first_at, blocked_until) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (subject) DO UPDATE SET failures = $2, first_at = $3, blocked_until = $4",
    )
    .bind(subject)
    .bind(failures.failures)
    .bind(failures.first_at)
    .bind(failures.blocked_until)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Forgets the failed sign-ins of `subject`.
pub async fn clear_failures(conn: &mut AnyConnection, subject: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_failures WHERE subject = $1").bind(subject).execute(&mut *conn).await?;
    Ok(())
}
