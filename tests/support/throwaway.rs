//! Throwaway PostgreSQL databases for the tests that run on both backends: created on the server
//! `POLICYBOT_TEST_POSTGRES` names (`postgres://postgres@127.0.0.1:5433/postgres`) and dropped
//! afterwards, so that tests run in parallel and leave nothing behind.

use sqlx::{AnyConnection, Connection};

/// The variable naming the server.
pub const POSTGRES_VAR: &str = "POLICYBOT_TEST_POSTGRES";

/// The server to create databases on; `None`, with a note naming `test`, when none is configured.
pub fn server(test: &str) -> Option<String> {
    match std::env::var(POSTGRES_VAR) {
        Ok(server) => {
            sqlx::any::install_default_drivers();
            Some(server)
        }
        Err(_) => {
            eprintln!("{test}: skipped on PostgreSQL, {POSTGRES_VAR} is not set");
            None
        }
    }
}

/// Creates the database `name` on `server` (dropping a leftover of an earlier run first); its URL.
pub async fn create(server: &str, name: &str) -> String {
    admin(server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
    admin(server, &format!("CREATE DATABASE {name}")).await;
    with_database(server, name)
}

/// Drops the database `name`, whoever is still connected to it.
pub async fn drop(server: &str, name: &str) {
    admin(server, &format!("DROP DATABASE {name} WITH (FORCE)")).await;
}

/// Runs one statement on the server's maintenance database.
async fn admin(server: &str, sql: &str) {
    let mut conn = AnyConnection::connect(server).await.expect("connect to the PostgreSQL server");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
    conn.close().await.expect("close");
}

/// `server` (`postgres://user@host:port/db?params`) with its database replaced by `name`.
fn with_database(server: &str, name: &str) -> String {
    let (base, params) = match server.split_once('?') {
        Some((base, params)) => (base, format!("?{params}")),
        None => (server, String::new()),
    };
    let (scheme, rest) = base.split_once("://").expect("a URL with a scheme");
    let authority = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{authority}/{name}{params}")
}
