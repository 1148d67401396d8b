//! Databases for a measurement: a SQLite file in a temporary directory, or a fresh database on the
//! PostgreSQL server that `POLICYBOT_TEST_POSTGRES` names, dropped afterwards.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{AnyConnection, Connection};
use tempfile::TempDir;

/// The variable naming a PostgreSQL server to measure on, as the store tests use it.
pub const POSTGRES_VAR: &str = "POLICYBOT_TEST_POSTGRES";

/// A database could not be made or dropped.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The temporary directory could not be created.
    #[error("cannot create a temporary directory")]
    TempDir(#[source] std::io::Error),
    /// The server refused a statement.
    #[error("{sql}")]
    Admin { sql: String, source: sqlx::Error },
}

/// A database of one measurement, with a directory for the files users send.
#[derive(Debug)]
pub struct Database {
    url: String,
    dir: TempDir,
    /// The server and the database created on it.
    postgres: Option<(String, String)>,
}

impl Database {
    /// A new SQLite file in a temporary directory (WAL, `synchronous = NORMAL`, as the store opens it).
    pub fn sqlite() -> Result<Self, DatabaseError> {
        let dir = tempfile::tempdir().map_err(DatabaseError::TempDir)?;
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        Ok(Self { url, dir, postgres: None })
    }

    /// A new database on the server at `server` (`postgres://user@host:port/db`).
    pub async fn postgres(server: &str) -> Result<Self, DatabaseError> {
        static NUMBER: AtomicUsize = AtomicUsize::new(0);
        let dir = tempfile::tempdir().map_err(DatabaseError::TempDir)?;
        let name = format!("policybot_bench_{}_{}", std::process::id(), NUMBER.fetch_add(1, Ordering::Relaxed));
        admin(server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
        admin(server, &format!("CREATE DATABASE {name}")).await?;
        let url = with_database(server, &name);
        Ok(Self { url, dir, postgres: Some((server.to_owned(), name)) })
    }

    /// The URL to give the store.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where the files users send are kept.
    pub fn files_dir(&self) -> PathBuf {
        self.dir.path().join("files")
    }

    /// Removes the database (the SQLite file goes with its directory).
    pub async fn remove(self) -> Result<(), DatabaseError> {
        if let Some((server, name)) = &self.postgres {
            admin(server, &format!("DROP DATABASE {name} WITH (FORCE)")).await?;
        }
        Ok(())
    }
}

/// Runs one statement on the server's maintenance database.
async fn admin(server: &str, sql: &str) -> Result<(), DatabaseError> {
    let failed = |source| DatabaseError::Admin { sql: sql.to_owned(), source };
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(server).await.map_err(failed)?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut conn).await.map_err(failed)?;
    conn.close().await.map_err(failed)
}

/// `server` (`postgres://user@host:port/db?params`) with its database replaced by `name`.
fn with_database(server: &str, name: &str) -> String {
    let (base, params) = server.split_once('?').map_or((server, String::new()), |(base, p)| (base, format!("?{p}")));
    let (scheme, rest) = base.split_once("://").unwrap_or(("postgres", base));
    let authority = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{authority}/{name}{params}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_replaces_the_servers() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5433/postgres", "b"),
            "postgres://postgres@127.0.0.1:5433/b"
        );
        assert_eq!(with_database("postgres://h/db?sslmode=disable", "b"), "postgres://h/b?sslmode=disable");
    }
}
