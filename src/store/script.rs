//! Writes that commit together in one round trip: a [`Script`] of [`Statement`]s.
//!
//! On SQLite a transaction holds the file's write lock from `BEGIN` to `COMMIT`, and between two
//! of its statements the task running it waits in the runtime's queue behind every other request.
//! Under load that wait, and the busy-handler sleeps of the writers it blocks meanwhile, set the
//! reply latency (docs/benchmarks.md, "Web chat"). So a group of writes that need nothing back
//! from each other goes to SQLite as one text, `BEGIN IMMEDIATE; …; COMMIT`, which the
//! connection's thread runs to its end without waking the task between statements. A statement
//! that must change a row (a versioned update, a compare-and-set) is followed there by a guard
//! that rolls the whole transaction back when it changed none. PostgreSQL locks rows, not the
//! database: there the same statements run one by one in a transaction.

use std::sync::LazyLock;

use futures::TryStreamExt;
use sqlx::{AnyConnection, AssertSqlSafe, Either, Executor};

use super::{Backend, Store, StoreError};

/// Follows a statement that must change a row: with no row changed it inserts NULL into a column
/// that refuses it, and `OR ROLLBACK` makes that failure undo the whole transaction.
const GUARD: &str = "INSERT OR ROLLBACK INTO script_guards (changed) SELECT NULL WHERE changes() = 0";

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(Some(value))
    }
}

impl From<Option<i64>> for Value {
    fn from(value: Option<i64>) -> Self {
        Value::Int(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Text(Some(value.to_owned()))
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::Text(Some(value))
    }
}

impl From<Option<&str>> for Value {
    fn from(value: Option<&str>) -> Self {
        Value::Text(value.map(str::to_owned))
    }
}

impl From<Option<String>> for Value {
    fn from(value: Option<String>) -> Self {
        Value::Text(value)
    }
}

/// One write with its values, to run now on a connection or later in a [`Script`]. Its
/// placeholders are `$1`, `$2`… in the order of [`bind`](Statement::bind).
#[derive(Debug, Clone)]
pub struct Statement {
    sql: &'static str,
    values: Vec<Value>,
    /// What it means when the statement changes no row, if that is a failure.
    must_change: Option<NoChange>,
    /// The subject of the conflict when the statement would duplicate a unique value.
    unique: Option<&'static str>,
}

impl Statement {
    pub(super) fn new(sql: &'static str) -> Self {
        Statement { sql, values: Vec::new(), must_change: None, unique: None }
    }

    /// Binds the next placeholder.
    pub(super) fn bind(mut self, value: impl Into<Value>) -> Self {
        self.values.push(value.into());
        self
    }

    /// Makes a statement that changes no row fail with a conflict over `what`.
    pub(super) fn must_change(mut self, what: &'static str) -> Self {
        self.must_change = Some(NoChange::Conflict(what));
        self
    }

    /// Makes a statement that changes no row fail as one whose row does not exist (the caller's
    /// id is unknown), as [`one_row`](super::one_row) does.
    pub(super) fn must_find(mut self) -> Self {
        self.must_change = Some(NoChange::Missing);
        self
    }

    /// Makes a statement that would duplicate a unique value (lost a race for it) fail with a
    /// conflict over `what`.
    pub(super) fn unique(mut self, what: &'static str) -> Self {
        self.unique = Some(what);
        self
    }

    /// Runs it on `conn`; the rows it changed.
    pub async fn execute(self, conn: &mut AnyConnection) -> Result<u64, StoreError> {
        let query = self.values.iter().fold(sqlx::query(self.sql), bind);
        let changed = query.execute(conn).await.map_err(|error| self.failure(error))?.rows_affected();
        match self.must_change {
            Some(no_change) if changed == 0 => Err(no_change.error()),
            _ => Ok(changed),
        }
    }

    /// What `error` of this statement means.
    fn failure(&self, error: sqlx::Error) -> StoreError {
        match (&error, self.unique) {
            (sqlx::Error::Database(db), Some(what)) if db.is_unique_violation() => conflict(what),
            _ => error.into(),
        }
    }
}

/// Why a statement that changed no row failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NoChange {
    /// Someone else changed the row first (the subject named).
    Conflict(&'static str),
    /// The row does not exist.
    Missing,
}

impl NoChange {
    fn error(self) -> StoreError {
        match self {
            NoChange::Conflict(what) => conflict(what),
            NoChange::Missing => StoreError::Query(sqlx::Error::RowNotFound),
        }
    }
}

/// What ran a statement of a script's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// `BEGIN` or `COMMIT`.
    Frame,
    /// The script's statement of this index.
    Statement(usize),
    /// The guard after a statement that must change a row, with what its failure means.
    Guard(NoChange),
}

/// `query` with `value` bound to its next placeholder.
fn bind<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    value: &Value,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    match value {
        Value::Int(value) => query.bind(*value),
        Value::Text(value) => query.bind(value.clone()),
    }
}

/// Statements that commit together or not at all.
#[derive(Debug, Default)]
pub struct Script {
    statements: Vec<Statement>,
}

impl Extend<Statement> for Script {
    fn extend<T: IntoIterator<Item = Statement>>(&mut self, statements: T) {
        self.statements.extend(statements);
    }
}

impl Script {
    /// Adds `statement` after the others.
    pub fn push(&mut self, statement: Statement) {
        self.statements.push(statement);
    }

    /// Commits the statements on `store`: on SQLite in one round trip, on PostgreSQL in a
    /// transaction. A statement that must change a row and changed none undoes them all.
    pub async fn commit(self, store: &Store) -> Result<(), StoreError> {
        match (store.backend(), self.statements.as_slice()) {
            (_, []) => Ok(()),
            // One statement is atomic by itself.
            (_, [_]) => self.run(&mut *store.acquire().await?).await,
            (Backend::Sqlite, _) => self.commit_at_once(store).await,
            (Backend::Postgres, _) => {
                let mut tx = store.begin().await?;
                self.run(&mut tx).await?;
                tx.commit().await
            }
        }
    }

    /// Runs the statements one after another on `conn` (a [`Tx`] commits them with its other
    /// changes).
    pub async fn run(self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        for statement in self.statements {
            statement.execute(conn).await?;
        }
        Ok(())
    }

    /// Runs them on SQLite as one text. Each result that comes back is one statement done, so
    /// the first error belongs to the statement after them.
    async fn commit_at_once(self, store: &Store) -> Result<(), StoreError> {
        let (text, parts) = self.text();
        let query = self.statements.iter().flat_map(|s| &s.values).fold(sqlx::query(AssertSqlSafe(text)), bind);
        let mut conn = store.acquire().await?;
        // Until the script is known to have ended its transaction, a drop (its task cancelled)
        // or a failed rollback closes the connection, which rolls back, instead of giving it
        // back to the pool inside the transaction.
        let mut open = Unfinished::new(&mut conn);
        let mut results = open.conn().fetch_many(query);
        let mut finished = 0;
        let failed = loop {
            match results.try_next().await {
                Ok(Some(Either::Left(_))) => finished += 1,
                Ok(Some(Either::Right(_))) => {}
                Ok(None) => break None,
                Err(error) => break Some((parts.get(finished), error)),
            }
        };
        drop(results);
        let Some((part, error)) = failed else {
            open.finish();
            return Ok(());
        };
        // A guard's failure rolled the transaction back; any other statement's left it open.
        let ended = matches!(part, Some(Part::Guard(_))) || sqlx::query("ROLLBACK").execute(open.conn()).await.is_ok();
        if ended {
            open.finish();
        }
        Err(self.failure(part, error))
    }

    /// The text of the script and what each of its statements is.
    fn text(&self) -> (String, Vec<Part>) {
        let mut text = String::from("BEGIN IMMEDIATE;\n");
        let mut parts = vec![Part::Frame];
        let mut offset = 0;
        for (index, statement) in self.statements.iter().enumerate() {
            text.push_str(&renumber(statement.sql, offset));
            text.push_str(";\n");
            parts.push(Part::Statement(index));
            if let Some(no_change) = statement.must_change {
                text.push_str(GUARD);
                text.push_str(";\n");
                parts.push(Part::Guard(no_change));
            }
            offset += statement.values.len();
        }
        text.push_str("COMMIT;");
        parts.push(Part::Frame);
        (text, parts)
    }

    /// What `error` of the statement `part` means.
    fn failure(&self, part: Option<&Part>, error: sqlx::Error) -> StoreError {
        let statement = match part {
            Some(Part::Guard(no_change)) => return no_change.error(),
            Some(Part::Statement(index)) => self.statements.get(*index),
            Some(Part::Frame) | None => None,
        };
        match statement {
            Some(statement) => statement.failure(error),
            None => error.into(),
        }
    }
}

fn conflict(what: &'static str) -> StoreError {
    StoreError::Conflict { what }
}

/// `sql` with each placeholder `$n` moved on by `offset`, to follow another statement's.
fn renumber(sql: &str, offset: usize) -> String {
    static PLACEHOLDER: LazyLock<regex::Regex> = LazyLock::new(|| regex::Regex::new(r"\$(\d+)").unwrap());
    PLACEHOLDER
        .replace_all(sql, |found: &regex::Captures| {
            let number: usize = found[1].parse().unwrap_or(0);
            format!("${}", number + offset)
        })
        .into_owned()
}

/// A connection in the middle of a script: closed when dropped before [`finish`](Self::finish).
struct Unfinished<'c> {
    conn: &'c mut super::Conn,
    finished: bool,
}

impl<'c> Unfinished<'c> {
    fn new(conn: &'c mut super::Conn) -> Self {
        Unfinished { conn, finished: false }
    }

    fn conn(&mut self) -> &mut AnyConnection {
        self.conn
    }

    fn finish(mut self) {
        self.finished = true;
    }
}

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.conn.close_on_drop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_statements_before() {
        assert_eq!(
            renumber("UPDATE t SET a = $1 WHERE id = $2 AND b = $1", 3),
            "UPDATE t SET a = $4 WHERE id = $5 AND b = $4"
        );
        assert_eq!(renumber("DELETE FROM t", 3), "DELETE FROM t");
    }

    #[test]
    fn a_statement_that_must_change_a_row_is_guarded() {
        let mut script = Script::default();
        script.push(Statement::new("UPDATE t SET a = $1").bind(1).must_change("t"));
        script.push(Statement::new("DELETE FROM u WHERE id = $1").bind(2));
        let (text, parts) = script.text();
        assert_eq!(
            text,
            format!("BEGIN IMMEDIATE;\nUPDATE t SET a = $1;\n{GUARD};\nDELETE FROM u WHERE id = $2;\nCOMMIT;")
        );
        let guard = Part::Guard(NoChange::Conflict("t"));
        assert_eq!(parts, [Part::Frame, Part::Statement(0), guard, Part::Statement(1), Part::Frame]);
    }
}
