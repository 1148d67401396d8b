//! Filed forms: the answers a user confirmed, under a reference number the user can quote, with
//! the review status staff move along (the audit of each move is in `events`).

use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use super::{Statement, StoreError, decode, from_json, one_row, to_json};
use crate::filing::{Filing, Status};

/// The columns of [`Application`], in one place for every query that returns applications.
macro_rules! columns {
    () => {
        "id, reference, flow, user_id, answers, status, created_at, updated_at"
    };
}

/// A filed form.
#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    /// Our id, used by events and attachments.
    pub id: i64,
    /// The number the user and staff quote, e.g. `ZJ-APARTMENT-2026-000123`; unique.
    pub reference: String,
    /// The flow the form was filled with.
    pub flow: String,
    /// The user who filed it.
    pub user_id: i64,
    /// What was filed.
    pub filing: Filing,
    /// The review status, owned by the staff workflow.
    pub status: Status,
    /// When it was filed (epoch ms).
    pub created_at: i64,
    /// When its status or answers last changed (epoch ms).
    pub updated_at: i64,
}

/// An application as stored: its answers JSON and status name, decoded into [`Application`].
#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    reference: String,
    flow: String,
    user_id: i64,
    answers: String,
    status: String,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<Row> for Application {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        let what = || format!("application {}", row.reference);
        let status = row.status.parse().map_err(|error| StoreError::Corrupt(format!("{}: {error}", what())))?;
        let filing = from_json(&row.answers, &what())?;
        let Row { id, reference, flow, user_id, created_at, updated_at, .. } = row;
        Ok(Application { id, reference, flow, user_id, filing, status, created_at, updated_at })
    }
}

/// Decodes an application row.
fn application(row: &AnyRow) -> Result<Application, StoreError> {
    decode::<Row>(row)?.try_into()
}

/// A form about to be filed.
#[derive(Debug, Clone, Copy)]
pub struct NewApplication<'a> {
    /// The reference number, usually built from [`next_sequence`].
    pub reference: &'a str,
    /// The flow the form was filled with.
    pub flow: &'a str,
    /// The user filing it.
    pub user_id: i64,
    /// What is filed.
    pub filing: &'a Filing,
    /// The initial status.
    pub status: Status,
}

/// Which applications [`list`] and [`page`] return; `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only this flow.
    pub flow: Option<String>,
    /// Only this status.
    pub status: Option<Status>,
    /// Only those filed at or after this time (epoch ms).
    pub since: Option<i64>,
    /// Only those filed before this time (epoch ms).
    pub until: Option<i64>,
    /// Only those whose reference or applicant's name contains this (any case).
    pub search: Option<String>,
}

/// The conditions of a [`Filter`], its fields bound as $1–$5 in order: one text for every
/// combination, a NULL parameter switching its condition off. The CASTs give PostgreSQL a type
/// for a parameter it would otherwise see only in `IS NULL`. `filtered!(exact)` is the text for a
/// search by a whole reference number, which finds its row through the unique index on
/// `reference` instead of testing every row's reference and name.
macro_rules! filtered {
    () => {
        filtered!(
            "(CAST($5 AS TEXT) IS NULL OR LOWER(reference) LIKE $5 ESCAPE '\\' OR LOWER(applicant_name) LIKE $5 ESCAPE '\\')"
        )
    };
    (exact) => {
        filtered!("reference = $5")
    };
    ($search:literal) => {
        concat!(
            " FROM applications \
             WHERE (CAST($1 AS TEXT) IS NULL OR flow = $1) \
               AND (CAST($2 AS TEXT) IS NULL OR status = $2) \
               AND (CAST($3 AS BIGINT) IS NULL OR created_at >= $3) \
               AND (CAST($4 AS BIGINT) IS NULL OR created_at < $4) \
               AND ",
            $search
        )
    };
}

/// What a filter's search text is looked for as.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Search {
    /// No search.
    None,
    /// A whole reference number (ZJ-TAX-2026-000123, in any case): that application.
    Reference(String),
    /// Any other text: a part of a reference or of the applicant's name, in any case (a LIKE
    /// pattern).
    Part(String),
}

impl Search {
    fn of(filter: &Filter) -> Self {
        let Some(search) = filter.search.as_deref().map(str::trim).filter(|search| !search.is_empty()) else {
            return Self::None;
        };
        let upper = search.to_ascii_uppercase();
        if is_reference(&upper) {
            return Self::Reference(upper);
        }
        let escaped = search.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        Self::Part(format!("%{escaped}%"))
    }

    /// Which of two query texts applies: the one for a whole reference, or the other.
    fn pick(&self, exact: &'static str, other: &'static str) -> &'static str {
        if matches!(self, Self::Reference(_)) { exact } else { other }
    }

    fn bound(self) -> Option<String> {
        match self {
            Self::None => None,
            Self::Reference(text) | Self::Part(text) => Some(text),
        }
    }
}

/// Whether `text` has the shape of a whole reference number: groups of capitals and digits, the
/// last two a year and a sequence number of at least six digits (ZJ-APARTMENT-2026-000123).
fn is_reference(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    let digits = |group: &str, min: usize| group.len() >= min && group.bytes().all(|b| b.is_ascii_digit());
    match groups.as_slice() {
        [prefix @ .., year, sequence] if prefix.len() >= 2 => {
            prefix
                .iter()
                .all(|group| !group.is_empty() && group.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
                && year.len() == 4
                && digits(year, 4)
                && digits(sequence, 6)
        }
        _ => false,
    }
}

/// Binds a filter's fields as $1–$5 of [`filtered!`].
fn bind_filter<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    filter: &'q Filter,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    query
        .bind(filter.flow.as_deref())
        .bind(filter.status.map(Status::as_str))
        .bind(filter.since)
        .bind(filter.until)
        .bind(Search::of(filter).bound())
}

/// Atomically increments and returns the named counter (first call returns 1). Used for reference
/// numbers like ZJ-APARTMENT-2026-000123 (counter name "APARTMENT-2026"); must be safe under
/// concurrent callers on both backends (single UPSERT … RETURNING).
pub async fn next_sequence(conn: &mut AnyConnection, name: &str) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO counters (name, value) VALUES ($1, 1) \
         ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
    )
    .bind(name)
    .fetch_one(&mut *conn)
    .await?)
}

/// Files a form at `now`. A reference already in use is a
/// [`Conflict`](StoreError::Conflict): the caller lost a race for it and takes the next number.
pub fn insert(new: &NewApplication<'_>, now: i64) -> Result<Statement, StoreError> {
    Ok(Statement::new(
        "INSERT INTO applications (reference, flow, user_id, answers, status, created_at, updated_at, applicant_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
    )
    .bind(new.reference)
    .bind(new.flow)
    .bind(new.user_id)
    .bind(to_json(new.filing, "the answers of an application")?)
    .bind(new.status.as_str())
    .bind(now)
    .bind(new.filing.applicant_name())
    .unique("application reference"))
}

/// The application with this reference number, if any.
pub async fn by_reference(conn: &mut AnyConnection, reference: &str) -> Result<Option<Application>, StoreError> {
    let row = sqlx::query(concat!("SELECT ", columns!(), " FROM applications WHERE reference = $1"))
        .bind(reference)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(application).transpose()
}

/// The application with this id, if any.
pub async fn by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<Application>, StoreError> {
    let row = sqlx::query(concat!("SELECT ", columns!(), " FROM applications WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(application).transpose()
}

/// The applications a user filed, newest first.
pub async fn of_user(conn: &mut AnyConnection, user_id: i64) -> Result<Vec<Application>, StoreError> {
    // `id` breaks ties between forms filed in the same millisecond.
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM applications WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(application).collect()
}

/// The applications that pass `filter`, newest first.
pub async fn list(conn: &mut AnyConnection, filter: &Filter) -> Result<Vec<Application>, StoreError> {
    let sql = Search::of(filter).pick(
        concat!("SELECT ", columns!(), filtered!(exact), " ORDER BY created_at DESC, id DESC"),
        concat!("SELECT ", columns!(), filtered!(), " ORDER BY created_at DESC, id DESC"),
    );
    let rows = bind_filter(sqlx::query(sql), filter).fetch_all(&mut *conn).await?;
    rows.iter().map(application).collect()
}

/// The order staff work applications in: those waiting for staff (submitted, in review) first,
/// newest first within each. It is the index `applications_queue`'s, expression for expression;
/// the index also holds every column the filter tests.
macro_rules! queue_order {
    () => {
        concat!(
            " ORDER BY (CASE WHEN status IN ('submitted', 'in_review') THEN 0 ELSE 1 END), created_at DESC, id DESC \
             LIMIT ",
            limit!("$6"),
            " OFFSET ",
            limit!("$7")
        )
    };
}

/// At most `limit` applications that pass `filter`, after the first `offset`, in the order staff
/// work them (see `queue_order!`).
pub async fn page(
    conn: &mut AnyConnection,
    filter: &Filter,
    offset: i64,
    limit: i64,
) -> Result<Vec<Application>, StoreError> {
    let sql = Search::of(filter).pick(
        concat!("SELECT ", columns!(), filtered!(exact), queue_order!()),
        concat!("SELECT ", columns!(), filtered!(), queue_order!()),
    );
    let rows = bind_filter(sqlx::query(sql), filter).bind(limit).bind(offset).fetch_all(&mut *conn).await?;
    rows.iter().map(application).collect()
}

/// How many applications pass `filter`.
pub async fn count_matching(conn: &mut AnyConnection, filter: &Filter) -> Result<i64, StoreError> {
    let sql =
        Search::of(filter).pick(concat!("SELECT COUNT(*)", filtered!(exact)), concat!("SELECT COUNT(*)", filtered!()));
    let row = bind_filter(sqlx::query(sql), filter).fetch_one(&mut *conn).await?;
    Ok(sqlx::Row::try_get(&row, 0)?)
}

/// Compare-and-set: Conflict unless the current status is `expected`.
pub async fn set_status(
    conn: &mut AnyConnection,
    id: i64,
    expected: Status,
    to: Status,
    now: i64,
) -> Result<(), StoreError> {
    let result = sqlx::query("UPDATE applications SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2")
        .bind(id)
        .bind(expected.as_str())
        .bind(to.as_str())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    if result.rows_affected() == 0 {
        return Err(StoreError::Conflict { what: "application status" });
    }
    Ok(())
}

/// Replaces the answers (after a "need more information" request was answered).
pub async fn set_answers(conn: &mut AnyConnection, id: i64, filing: &Filing, now: i64) -> Result<(), StoreError> {
    let result =
        sqlx::query("UPDATE applications SET answers = $2, updated_at = $3, applicant_name = $4 WHERE id = $1")
            .bind(id)
            .bind(to_json(filing, "the answers of an application")?)
            .bind(now)
            .bind(filing.applicant_name())
            .execute(&mut *conn)
            .await?;
    one_row(result)
}

/// How many applications were filed.
pub async fn count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM applications").fetch_one(&mut *conn).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(text: &str) -> Search {
        Search::of(&Filter { search: Some(text.to_owned()), ..Filter::default() })
    }

    #[test]
    fn a_whole_reference_is_looked_up_and_anything_else_matched_as_a_part() {
        assert_eq!(search(" zj-apartment-2026-000123 "), Search::Reference("ZJ-APARTMENT-2026-000123".into()));
        assert_eq!(search("ZJ-TAX-2026-1234567"), Search::Reference("ZJ-TAX-2026-1234567".into()));
        assert_eq!(search("ZJ-TAX-2026-00012"), Search::Part("%zj-tax-2026-00012%".into()), "a part of one");
        assert_eq!(search("TAX-2026-000123"), Search::Part("%tax-2026-000123%".into()), "no prefix");
        assert_eq!(search("ZJ--2026-000123"), Search::Part("%zj--2026-000123%".into()));
        assert_eq!(search("张_三%"), Search::Part("%张\\_三\\%%".into()), "LIKE's wildcards are escaped");
        assert_eq!(search("  "), Search::None);
    }
}
