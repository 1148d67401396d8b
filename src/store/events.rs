//! The audit log of applications: who moved which application from which status to which, when,
//! and why. Rows are only ever added.

use sqlx::AnyConnection;

use super::{Statement, StoreError, decode_all, from_json, to_json};
use crate::filing::Status;

/// One change to an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Our id; orders events of the same millisecond.
    pub id: i64,
    /// The application changed.
    pub application_id: i64,
    /// Who changed it ("user:42", "staff:wang"…).
    pub actor: String,
    /// The status before; `None` when the application was filed.
    pub from_status: Option<Status>,
    /// The status after.
    pub to_status: Status,
    /// The reason given, if any.
    pub note: Option<String>,
    /// For a request for more information: the fields to answer again.
    pub fields: Option<Vec<String>>,
    /// When (epoch ms).
    pub created_at: i64,
}

/// An event as stored: status names and the fields as a JSON list.
#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    application_id: i64,
    actor: String,
    from_status: Option<String>,
    to_status: String,
    note: Option<String>,
    fields: Option<String>,
    created_at: i64,
}

impl TryFrom<Row> for Event {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        let status = |name: &str| {
            name.parse::<Status>().map_err(|error| StoreError::Corrupt(format!("event {}: {error}", row.id)))
        };
        let from_status = row.from_status.as_deref().map(status).transpose()?;
        let to_status = status(&row.to_status)?;
        let fields = row.fields.as_deref().map(|json| from_json(json, &format!("event {}", row.id))).transpose()?;
        let Row { id, application_id, actor, note, created_at, .. } = row;
        Ok(Event { id, application_id, actor, from_status, to_status, note, fields, created_at })
    }
}

/// A change about to be recorded.
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    /// The reference number of the application changed.
    pub reference: &'a str,
    /// Who changed it.
    pub actor: &'a str,
    /// The status before; `None` when the application is filed.
    pub from: Option<Status>,
    /// The status after.
    pub to: Status,
    /// The reason given, if any.
    pub note: Option<&'a str>,
    /// For a request for more information: the fields to answer again.
    pub fields: Option<&'a [String]>,
}

/// Records a change at `now`.
pub fn insert(event: &NewEvent<'_>, now: i64) -> Result<Statement, StoreError> {
    // The application is named by its reference, so that a script filing it needs no id back.
    Ok(Statement::new(
        "INSERT INTO application_events \
         (application_id, actor, from_status, to_status, note, fields, created_at) \
         SELECT id, $2, $3, $4, $5, $6, $7 FROM applications WHERE reference = $1",
    )
    .bind(event.reference)
    .bind(event.actor)
    .bind(event.from.map(Status::as_str))
    .bind(event.to.as_str())
    .bind(event.note)
    .bind(event.fields.map(|fields| to_json(&fields, "the fields of an event")).transpose()?)
    .bind(now)
    .must_change("application"))
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
    decode_all::<Row>(&rows)?.into_iter().map(Event::try_from).collect()
}

/// Staff's latest request for more information about an application (the event naming fields
/// to correct), if any.
pub async fn latest_request(conn: &mut AnyConnection, application_id: i64) -> Result<Option<Event>, StoreError> {
    let history = of_application(conn, application_id).await?;
    Ok(history.into_iter().rev().find(|event| event.fields.is_some()))
}
