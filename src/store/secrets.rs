//! Secrets the instances of one deployment share (the web's signing key): made once by whichever
//! instance needs one first, then read by all.

use sqlx::AnyConnection;

use super::StoreError;

/// The secret named `name`: the stored one, or `fresh` stored now if there was none (a concurrent
/// first start keeps one of the two, and both get it).
pub async fn get_or_insert(conn: &mut AnyConnection, name: &str, fresh: &str, now: i64) -> Result<String, StoreError> {
    sqlx::query("INSERT INTO web_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(fresh)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(sqlx::query_scalar("SELECT value FROM web_secrets WHERE name = $1").bind(name).fetch_one(&mut *conn).await?)
}
