//! Files users send for a form (certificate photos…). The file itself lives at `location` (a
//! Telegram file id or a path); this is its record, a draft of the user until the form is filed
//! and then linked to the application.

use sqlx::AnyConnection;

use super::{Statement, StoreError, decode, decode_all};

/// The columns of [`Attachment`], in one place for every query that returns attachments.
macro_rules! columns {
    () => {
        "id, user_id, application_id, field, location, name, mime, size, sha256, created_at"
    };
}

/// A file sent for a form.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Attachment {
    /// Our id.
    pub id: i64,
    /// The user who sent it.
    pub user_id: i64,
    /// The application it belongs to; `None` while it is a draft of a form in progress.
    pub application_id: Option<i64>,
    /// The form field it answers.
    pub field: String,
    /// Where the file is (Telegram file id or storage path).
    pub location: String,
    /// The file name the user gave.
    pub name: String,
    /// Its media type.
    pub mime: String,
    /// Its size in bytes.
    pub size: i64,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// When it was received (epoch ms).
    pub created_at: i64,
}

/// A file just received, to be stored as a draft of the user.
#[derive(Debug, Clone, Copy)]
pub struct NewAttachment<'a> {
    /// The user who sent it.
    pub user_id: i64,
    /// The form field it answers.
    pub field: &'a str,
    /// Where the file is.
    pub location: &'a str,
    /// The file name the user gave.
    pub name: &'a str,
    /// Its media type.
    pub mime: &'a str,
    /// Its size in bytes.
    pub size: i64,
    /// Its SHA-256, hex.
    pub sha256: &'a str,
}

/// Stores a file received at `now` as a draft of its user.
pub async fn insert(conn: &mut AnyConnection, new: &NewAttachment<'_>, now: i64) -> Result<Attachment, StoreError> {
    let row = sqlx::query(concat!(
        "INSERT INTO attachments (user_id, field, location, name, mime, size, sha256, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ",
        columns!()
    ))
    .bind(new.user_id)
    .bind(new.field)
    .bind(new.location)
    .bind(new.name)
    .bind(new.mime)
    .bind(new.size)
    .bind(new.sha256)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    decode(&row)
}

/// Links all drafts of the user to the application with this reference, just filed.
pub fn link_drafts(user_id: i64, reference: &str) -> Statement {
    Statement::new(
        "UPDATE attachments SET application_id = (SELECT id FROM applications WHERE reference = $2) \
         WHERE user_id = $1 AND application_id IS NULL",
    )
    .bind(user_id)
    .bind(reference)
}

/// The files of an application, in the order received.
pub async fn of_application(conn: &mut AnyConnection, application_id: i64) -> Result<Vec<Attachment>, StoreError> {
    let rows = sqlx::query(concat!("SELECT ", columns!(), " FROM attachments WHERE application_id = $1 ORDER BY id"))
        .bind(application_id)
        .fetch_all(&mut *conn)
        .await?;
    decode_all(&rows)
}

/// The drafts of the user's form in progress, in the order received.
pub async fn drafts_of_user(conn: &mut AnyConnection, user_id: i64) -> Result<Vec<Attachment>, StoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM attachments WHERE user_id = $1 AND application_id IS NULL ORDER BY id"
    ))
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    decode_all(&rows)
}

/// Deletes the drafts of the user (the form was cancelled) and returns them, in the order
/// received, so that the caller can remove the files.
pub async fn delete_drafts_of_user(conn: &mut AnyConnection, user_id: i64) -> Result<Vec<Attachment>, StoreError> {
    let rows = sqlx::query(concat!(
        "DELETE FROM attachments WHERE user_id = $1 AND application_id IS NULL RETURNING ",
        columns!()
    ))
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    // RETURNING has no ORDER BY.
    let mut deleted: Vec<Attachment> = decode_all(&rows)?;
    deleted.sort_by_key(|attachment| attachment.id);
    Ok(deleted)
}

/// Deletes the user's drafts for one field (the applicant sent a new file for it) and returns
/// them so that the caller can remove the files.
pub async fn delete_drafts_of_field(
    conn: &mut AnyConnection,
    user_id: i64,
    field: &str,
) -> Result<Vec<Attachment>, StoreError> {
    let rows = sqlx::query(concat!(
        "DELETE FROM attachments WHERE user_id = $1 AND field = $2 AND application_id IS NULL RETURNING ",
        columns!()
    ))
    .bind(user_id)
    .bind(field)
    .fetch_all(&mut *conn)
    .await?;
    decode_all(&rows)
}
