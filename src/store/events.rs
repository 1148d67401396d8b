//! The audit log of applications: who moved which application from which status to which, when,
//! and why. Rows are only ever added.

use sqlx::AnyConnection;

use super::{StoreError, decode_all};

/// One change to an application.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Event {
    /// Our id; orders events of the same millisecond.
    pub id: i64,
    /// The application changed.
    pub application_id: i64,
    /// Who changed it ("user:42", "staff:wang"…).
    pub actor: String,
    /// The status before; `None` when the application was filed.
    pub from_status: Option<String>,
    /// The status after.
    pub to_status: String,
    /// The reason given, if any.
    pub note: Option<String>,
    /// For a request for more information: the fields to answer again (JSON list).
    pub fields: Option<String>,
    /// When (epoch ms).
    pub created_at: i64,
}

/// A change about to be recorded.
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    /// The application changed.
    pub application_id: i64,
    /// Who changed it.
    pub actor: &'a str,
    /// The status before; `None` when the application is filed.
    pub from: Option<&'a str>,
    /// The status after.
    pub to: &'a str,
    /// The reason given, if any.
    pub note: Option<&'a str>,
    /// For a request for more information: the fields to answer again (JSON list).
    pub fields: Option<&'a str>,
}

/// Records a change at `now`.
pub async fn insert(conn: &mut AnyConnection, event: &NewEvent<'_>, now: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO application_events \
         (application_id, actor, from_status, to_status, note, fields, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(event.application_id)
    .bind(event.actor)
    .bind(event.from)
    .bind(event.to)
    .bind(event.note)
    .bind(event.fields)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The history of an application, oldest first.
pub async fn of_application(conn: &mut AnyConnection, application_id: i64) -> Result<Vec<Event>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, application_id, actor, from_status, to_status, note, fields, created_at \
         FROM application_events WHERE application_id = $1 ORDER BY created_at, id",
    )
    .bind(application_id)
    .fetch_all(&mut *conn)
    .await?;
    decode_all(&rows)
}
