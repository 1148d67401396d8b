//! Persistence: users, their dialog sessions, filed applications with their audit log and
//! attachments, in SQLite (the default: one embedded file) or PostgreSQL (several bot instances
//! sharing one database).
//!
//! Every query is one SQL text for both backends, run through sqlx's `Any` driver, so it may only
//! use portable SQL (`$n` placeholders, `RETURNING`, `ON CONFLICT`) and the types `Any` decodes:
//! `i64`, `String` and their `Option`s. Times are epoch milliseconds passed in by the caller as
//! `now`; JSON is stored as text and decoded here, once: the rows callers get are typed
//! ([`Status`](crate::filing::Status), [`Filing`](crate::filing::Filing),
//! [`DialogState`](crate::dialog::engine::DialogState)), and no sqlx type leaves this module. A
//! query that reads is a function taking a connection; so is a write whose result the caller
//! needs (a new id, a counter). A write that needs nothing back is a [`Statement`], which a
//! caller runs on a connection, or collects with others in a [`Script`] that commits them all or
//! none in one round trip:
//!
//! ```ignore
//! let mut script = Script::default();
//! script.push(store::users::record_consent(user_id, version, now));
//! script.push(store::sessions::save(user_id, &state, Some(version), None, now)?);
//! script.commit(&store).await?;
//! ```
//!
//! A change that must read inside its transaction opens a [`Tx`] from [`Store::begin`]; reads
//! alone go to [`Store::read`].
//!
//! SQLite lets one connection write at a time; a second writer waits in SQLite's busy handler,
//! which sleeps for 1, 2, 5, 10… ms between tries. So the hot paths write in one statement (a form
//! step is one versioned `UPDATE`) or one script, which SQLite runs from `BEGIN` to `COMMIT`
//! without waiting for the program in between (see `script.rs`), and reads go to connections of
//! their own (WAL lets them read while another connection writes), which never wait for a writer.
//! Measured on the benchmark machine, a single writing connection that tasks queue for instead
//! gave more Telegram updates/s but fewer form steps/s than a few; see `docs/benchmarks.md`.
//! A task holding a connection should still not ask for another: with a small pool under load
//! it waits for itself.

/// A `LIMIT` or `OFFSET` of the placeholder `$n`. SQLite's planner reads a bare placeholder's value
/// there, so the statement would be parsed and planned again on every run (3% of the web chat
/// benchmark's CPU while each message read its entries back); the value of a `CAST` it does not
/// read.
macro_rules! limit {
    ($placeholder:literal) => {
        concat!("CAST(", $placeholder, " AS BIGINT)")
    };
}

pub mod accounts;
pub mod applications;
pub mod attachments;
pub mod audit;
pub mod chat_history;
mod checkpoint;
pub mod events;
pub mod inbox;
pub mod outbox;
pub mod prompts;
pub mod questions;
mod script;
pub mod secrets;
pub mod sessions;
pub mod tallies;
pub mod updates;
pub mod users;

use std::borrow::Cow;
use std::ops::{Deref, DerefMut};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::any::{AnyPoolOptions, AnyQueryResult, AnyRow};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, FromRow, Transaction};
use url::Url;

pub use script::{Script, Statement};

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One file beside the bot (`sqlite://policybot.db`).
    Sqlite,
    /// A server shared by several bot instances (`postgres://…`).
    Postgres,
}

impl Backend {
    /// The backend a connection URL names by its scheme.
    fn of_url(url: &str) -> Option<Backend> {
        match url.split_once(':')?.0 {
            "sqlite" => Some(Backend::Sqlite),
            "postgres" | "postgresql" => Some(Backend::Postgres),
            _ => None,
        }
    }

    /// How many connections may write at once: SQLite runs one writer at a time whatever the
    /// pool size (see the module docs); a server serves more.
    fn writers(self) -> u32 {
        match self {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        }
    }
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or opened; the URL is shown without its password.
    #[error("cannot connect to the database at {url_redacted}")]
    Connect {
        url_redacted: String,
        #[source]
        source: sqlx::Error,
    },
    /// The schema could not be brought up to date.
    #[error("cannot migrate the database schema")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// A query failed (an id that does not exist is `Query(sqlx::Error::RowNotFound)`).
    #[error("database query failed")]
    Query(#[from] sqlx::Error),
    /// Someone else changed the row first: an optimistic version, a compare-and-set or a unique
    /// name lost a race. The caller reloads and decides again.
    #[error("{what} was changed concurrently")]
    Conflict { what: &'static str },
    /// A row holds a value its type cannot have.
    #[error("the database holds an impossible row: {0}")]
    Corrupt(String),
    /// A value could not be written as JSON (which the types stored here always can).
    #[error("cannot encode {what} as JSON")]
    Encode {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

/// The database: connection pools and the backend they talk to.
#[derive(Debug, Clone)]
pub struct Store {
    /// Connections that may write (on SQLite, the one).
    pool: AnyPool,
    /// Connections for reads only: on PostgreSQL the same pool.
    readers: AnyPool,
    backend: Backend,
    /// On SQLite, the background checkpoints of its write-ahead log.
    _checkpoints: Option<checkpoint::Checkpoints>,
}

/// Read-only connections to a SQLite file: readers do not wait for each other or a writer.
const SQLITE_READERS: u32 = 4;

/// Settings SQLite keeps per connection (except `journal_mode`, which the file remembers):
/// - `busy_timeout` first, so that the others, and every later statement, wait up to 5 s for a
///   lock held by another connection instead of failing at once;
/// - WAL: readers and the writer do not block each other;
/// - `synchronous = NORMAL`: in WAL mode a commit survives a crash of the process, but the last
///   commits may be lost (never corrupting the file) if the machine loses power; `FULL` would
///   add an fsync to every commit, i.e. to every message, for data a user can retype;
/// - `foreign_keys`: off in SQLite unless each connection asks;
/// - `mmap_size`: pages are read through a memory map instead of copied by `pread`; with several
///   connections each re-reading what another changed, this was 5% of a message's time;
/// - `wal_autocheckpoint = 0`: the log is copied back by a background task instead (see
///   `checkpoint.rs`); 20% more web chat messages/s on the benchmark machine.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; \
                              PRAGMA journal_mode = WAL; \
                              PRAGMA synchronous = NORMAL; \
                              PRAGMA foreign_keys = ON; \
                              PRAGMA mmap_size = 268435456; \
                              PRAGMA wal_autocheckpoint = 0;";

impl Store {
    /// Connects to `url` (`sqlite://policybot.db`, `postgres://user:password@host/db`), creating
    /// a missing SQLite file, and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let url_redacted = redact(url);
        let connect_error = |source| StoreError::Connect { url_redacted: url_redacted.clone(), source };
        let backend = Backend::of_url(url).ok_or_else(|| {
            connect_error(sqlx::Error::Configuration("the database URL must start with sqlite: or postgres:".into()))
        })?;
        let url = match backend {
            Backend::Sqlite => create_if_missing(url),
            Backend::Postgres => Cow::Borrowed(url),
        };
        let pool = open_pool(&url, backend, backend.writers()).await.map_err(connect_error)?;
        // On PostgreSQL the migrator holds an advisory lock, so instances starting together
        // migrate one after the other.
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        migrator.run(&pool).await.map_err(StoreError::Migrate)?;
        let readers = match backend {
            Backend::Sqlite => open_pool(&url, backend, SQLITE_READERS).await.map_err(connect_error)?,
            Backend::Postgres => pool.clone(),
        };
        let checkpoints = (backend == Backend::Sqlite).then(|| checkpoint::start(readers.clone()));
        tracing::info!(url = %url_redacted, ?backend, "database ready");
        Ok(Store { pool, readers, backend, _checkpoints: checkpoints })
    }

    /// The backend this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for what the query functions do not cover (health checks).
    pub fn pool(&self) -> &sqlx::AnyPool {
        &self.pool
    }

    /// Does what PostgreSQL's background maintenance (autovacuum) eventually does after a bulk
    /// import: update the planner's statistics and the visibility map, which lets a count read
    /// an index alone. SQLite has no such maintenance, and runs nothing here.
    pub async fn settle(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            sqlx::query("VACUUM ANALYZE").execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Starts a transaction; it rolls back when dropped without `commit`.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(Tx(match self.backend {
            // A deferred SQLite transaction that reads and then writes cannot wait for the write
            // lock: it fails at once with SQLITE_BUSY when another writer went first, whatever
            // the busy timeout. Taking the lock up front makes concurrent transactions queue.
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            // PostgreSQL locks rows, not the database: writers wait for each other as needed.
            Backend::Postgres => self.pool.begin().await?,
        }))
    }

    /// A connection for statements that may write and need no transaction.
    pub async fn acquire(&self) -> Result<Conn, StoreError> {
        Ok(Conn(self.pool.acquire().await?))
    }

    /// A connection for statements that only read; it never waits for a writer.
    pub async fn read(&self) -> Result<Conn, StoreError> {
        Ok(Conn(self.readers.acquire().await?))
    }

    /// Waits for the connections in use to come back, then closes them all.
    pub async fn close(&self) {
        self.pool.close().await;
        self.readers.close().await;
    }
}

/// A connection from a pool, given back when dropped. The query functions take it (or a [`Tx`])
/// as `&mut conn`.
#[derive(Debug)]
pub struct Conn(PoolConnection<Any>);

impl Conn {
    /// Closes the connection when dropped instead of giving it back: its state is unknown.
    fn close_on_drop(&mut self) {
        self.0.close_on_drop();
    }
}

/// A transaction: the queries run in it commit together or not at all; dropped without
/// [`commit`](Tx::commit), it rolls back.
#[derive(Debug)]
pub struct Tx(Transaction<'static, Any>);

impl Tx {
    /// Makes the transaction's changes permanent.
    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.0.commit().await?)
    }

    /// Undoes the transaction's changes.
    pub async fn rollback(self) -> Result<(), StoreError> {
        Ok(self.0.rollback().await?)
    }
}

/// What the query functions run on: a [`Conn`] or a [`Tx`], for callers that take either.
pub trait Db: DerefMut<Target = AnyConnection> + Send {}

impl Db for Conn {}
impl Db for Tx {}

/// Lets the query functions, which take `&mut AnyConnection`, run on a [`Conn`] or a [`Tx`].
macro_rules! connection {
    ($($handle:ident),*) => {
        $(
            impl Deref for $handle {
                type Target = AnyConnection;

                fn deref(&self) -> &AnyConnection {
                    &self.0
                }
            }

            impl DerefMut for $handle {
                fn deref_mut(&mut self) -> &mut AnyConnection {
                    &mut self.0
                }
            }
        )*
    };
}

connection!(Conn, Tx);

/// A pool of up to `size` connections to `url`, set up for `backend`.
async fn open_pool(url: &str, backend: Backend, size: u32) -> Result<AnyPool, sqlx::Error> {
    AnyPoolOptions::new()
        .max_connections(size)
        // A pooled SQLite connection is a file handle that cannot go stale, and the ping before
        // each use is a round trip to the connection's worker thread: two per message.
        .test_before_acquire(backend == Backend::Postgres)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    sqlx::raw_sql(SQLITE_PRAGMAS).execute(conn).await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await
}

/// SQLite opens only an existing file unless told `mode=rwc`, and the default database is a file
/// that the first start creates. An explicit `mode` (`ro`, `memory`…) is left alone.
fn create_if_missing(url: &str) -> Cow<'_, str> {
    let query = url.split_once('?').map(|(_, query)| query);
    let has_mode = query.is_some_and(|query| query.split('&').any(|p| p.starts_with("mode=")));
    if has_mode || url.contains(":memory:") {
        Cow::Borrowed(url)
    } else {
        let separator = if query.is_some() { '&' } else { '?' };
        Cow::Owned(format!("{url}{separator}mode=rwc"))
    }
}

/// `url` with its password, in the user part or (for PostgreSQL) a `password=` parameter,
/// replaced by `***`, for messages and logs. A URL that does not parse is not shown at all: it
/// might hold a password where this could not find it.
fn redact(url: &str) -> String {
    let Ok(mut parsed) = Url::parse(url) else { return "(an unreadable database URL)".to_owned() };
    if parsed.password().is_some() {
        // Only a URL that cannot have a password refuses one.
        parsed.set_password(Some("***")).ok();
    }
    if parsed.query_pairs().any(|(name, _)| name == "password") {
        let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        let mut query = parsed.query_pairs_mut();
        query.clear();
        for (name, value) in pairs {
            query.append_pair(&name, if name == "password" { "***" } else { &value });
        }
    }
    parsed.to_string()
}

/// The rows of a multi-row `VALUES`: `rows` of them, each with the `shared` placeholders every row
/// binds alike and then `own` placeholders of its own, numbered on: `($1, $2, $3), ($1, $2, $4)`.
/// Only placeholders go into the text; the values are bound.
fn values(rows: usize, shared: usize, own: usize) -> String {
    let row = |row: usize| {
        let first = shared + own * row;
        let numbers = (1..=shared).chain(first + 1..=first + own);
        format!("({})", numbers.map(|number| format!("${number}")).collect::<Vec<_>>().join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

/// Maps a row to `T`. A row that does not fit (a value of another type, or NULL where none can
/// be) was not written by these queries: that is corruption, not a failed query.
fn decode<T: for<'r> FromRow<'r, AnyRow>>(row: &AnyRow) -> Result<T, StoreError> {
    T::from_row(row).map_err(|error| StoreError::Corrupt(format!("{}: {error}", std::any::type_name::<T>())))
}

/// [`decode`] for a row that may be missing.
fn decode_optional<T: for<'r> FromRow<'r, AnyRow>>(row: Option<AnyRow>) -> Result<Option<T>, StoreError> {
    row.as_ref().map(decode).transpose()
}

/// [`decode`] for every row.
fn decode_all<T: for<'r> FromRow<'r, AnyRow>>(rows: &[AnyRow]) -> Result<Vec<T>, StoreError> {
    rows.iter().map(decode).collect()
}

/// A value stored as JSON text, for a column of `what`.
fn to_json(value: &impl Serialize, what: &'static str) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|source| StoreError::Encode { what, source })
}

/// The value a JSON column of `what` holds; text it cannot be is corruption.
fn from_json<T: DeserializeOwned>(json: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|error| StoreError::Corrupt(format!("{what}: {error}")))
}

/// The outcome of an update of one row by id: a missing row means the caller's id is unknown.
fn one_row(result: AnyQueryResult) -> Result<(), StoreError> {
    match result.rows_affected() {
        0 => Err(sqlx::Error::RowNotFound.into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_number_the_shared_placeholders_once_and_each_rows_own_on() {
        assert_eq!(values(1, 1, 2), "($1, $2, $3)");
        assert_eq!(values(3, 2, 1), "($1, $2, $3), ($1, $2, $4), ($1, $2, $5)");
        assert_eq!(values(2, 0, 2), "($1, $2), ($3, $4)");
    }

    #[test]
    fn redact_hides_the_password_in_the_user_part() {
        assert_eq!(
            redact("postgres://bot:s3cr%40t@db.local:5432/policybot?sslmode=require"),
            "postgres://bot:***@db.local:5432/policybot?sslmode=require"
        );
    }

    #[test]
    fn redact_hides_a_password_parameter() {
        assert_eq!(
            redact("postgres://db.local/policybot?user=bot&password=s3cret&sslmode=require"),
            "postgres://db.local/policybot?user=bot&password=***&sslmode=require"
        );
    }

    #[test]
    fn redact_keeps_urls_without_password() {
        for url in ["postgres://postgres@127.0.0.1:5433/postgres", "sqlite://policybot.db", "sqlite::memory:"] {
            assert_eq!(redact(url), url);
        }
    }

    #[test]
    fn redact_finds_passwords_however_they_are_written() {
        assert_eq!(redact("postgres://bot:p%40ss@db/policybot"), "postgres://bot:***@db/policybot");
        assert_eq!(redact("postgresql://:only@db/x"), "postgresql://:***@db/x");
        assert_eq!(
            redact("postgres://db/x?sslmode=require&password=b%26c"),
            "postgres://db/x?sslmode=require&password=***"
        );
        assert_eq!(redact("postgres://bot:sec ret@db/x"), "postgres://bot:***@db/x");
        assert_eq!(redact("not a url :secret@"), "(an unreadable database URL)");
    }

    #[test]
    fn sqlite_files_are_created_unless_a_mode_is_given() {
        assert_eq!(create_if_missing("sqlite://bot.db"), "sqlite://bot.db?mode=rwc");
        assert_eq!(create_if_missing("sqlite://bot.db?cache=shared"), "sqlite://bot.db?cache=shared&mode=rwc");
        assert_eq!(create_if_missing("sqlite://bot.db?mode=ro"), "sqlite://bot.db?mode=ro");
        assert_eq!(create_if_missing("sqlite::memory:"), "sqlite::memory:");
    }

    #[test]
    fn backend_follows_the_scheme() {
        assert_eq!(Backend::of_url("sqlite://bot.db"), Some(Backend::Sqlite));
        assert_eq!(Backend::of_url("postgresql://h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::of_url("mysql://h/db"), None);
        assert_eq!(Backend::of_url("bot.db"), None);
    }
}
