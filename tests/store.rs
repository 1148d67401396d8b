//! The store against both backends: every test body below runs once on SQLite (a temporary
//! file) and once on PostgreSQL when `POLICYBOT_TEST_POSTGRES` names a server
//! (`postgres://postgres@127.0.0.1:5433/postgres`), in a database of its own created for the test
//! and dropped after it, so that tests run in parallel.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use policybot::clock::Clock;
use policybot::delivery::{Delivery, Pruned, Retention};
use policybot::dialog::engine::{DialogState, Stage};
use policybot::dialog::value::Value;
use policybot::files::FileStore;
use policybot::filing::{Filing, Status};
use policybot::lang::Lang;
use policybot::store::applications::{self, Filter, NewApplication};
use policybot::store::attachments::{self, NewAttachment};
use policybot::store::events::NewEvent;
use policybot::store::inbox::{self, Stored};
use policybot::store::prompts::Prompt;
use policybot::store::{
    Backend, Script, Statement, Store, StoreError, audit, events, outbox, prompts, sessions, updates, users,
};
use sqlx::AnyConnection;

#[path = "support/throwaway.rs"]
mod throwaway;

/// A store on a fresh database, with the URL it was opened with.
struct Db {
    store: Store,
    url: String,
}

/// Runs `body` on a store in a new SQLite file.
async fn on_sqlite<F, Fut>(body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("policybot.db").display());
    let store = Store::connect(&url).await.expect("connect to SQLite");
    assert_eq!(store.backend(), Backend::Sqlite);
    body(Db { store, url }).await;
}

/// Runs `body` on a store in a new PostgreSQL database, dropped afterwards even when the body
/// fails; `test` names the test in the note printed when no server is configured.
async fn on_postgres<F, Fut>(test: &str, body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(server) = throwaway::server(test) else { return };
    // Numbered rather than named after the test: PostgreSQL cuts names at 63 bytes.
    static NUMBER: AtomicUsize = AtomicUsize::new(0);
    let name = format!("policybot_test_{}_{}", std::process::id(), NUMBER.fetch_add(1, Ordering::Relaxed));
    let url = throwaway::create(&server, &name).await;
    let store = Store::connect(&url).await.expect("connect to PostgreSQL");
    assert_eq!(store.backend(), Backend::Postgres);
    // In a task of its own, so that a failed assertion comes back as an error after which the
    // database can still be dropped.
    let outcome = tokio::spawn(body(Db { store: store.clone(), url })).await;
    store.close().await;
    throwaway::drop(&server, &name).await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

/// Declares each body as a test on both backends: `sqlite::<body>` and `postgres::<body>`.
macro_rules! on_both_backends {
    ($($body:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $body() {
                    super::on_sqlite(super::$body).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $body() {
                    super::on_postgres(stringify!($body), super::$body).await;
                }
            )*
        }
    };
}

on_both_backends!(
    migrations_run_again_on_an_up_to_date_database,
    concurrent_first_messages_create_one_user,
    users_keep_language_and_consent,
    foreign_keys_are_enforced,
    concurrent_saves_of_one_version_let_one_win,
    a_stale_delete_is_a_conflict,
    concurrent_read_modify_write_transactions_lose_no_update,
    next_sequence_hands_out_each_number_once,
    applications_are_found_by_reference_id_and_user,
    a_reference_in_use_is_a_conflict,
    list_filters_by_flow_status_and_time_newest_first,
    set_status_is_a_compare_and_set,
    events_come_oldest_first,
    drafts_are_linked_to_the_filed_application,
    deleting_drafts_returns_them_and_keeps_linked_files,
    a_rolled_back_transaction_leaves_nothing,
    a_script_commits_all_its_statements_or_none,
    a_script_that_fails_midway_leaves_its_connection_usable,
    a_user_and_their_form_are_read_together,
    drafts_of_one_field_are_replaced,
    the_outbox_sends_each_chat_in_order_and_retries,
    a_restarted_sender_takes_back_only_its_own_claims,
    concurrent_senders_never_claim_the_same_message,
    updates_are_recorded_once_and_pruned,
    a_private_chats_last_update_is_kept_on_the_form_or_the_user,
    stored_updates_come_back_in_order_until_forgotten,
    sent_messages_handled_updates_and_their_ids_are_deleted_after_the_retention_period,
    readers_do_not_wait_for_a_write_transaction,
    a_staff_prompt_is_taken_once,
    staff_actions_are_audited,
    a_row_that_does_not_decode_is_corrupt,
);

/// The settings every pooled SQLite connection gets (foreign keys are tested on both backends).
#[tokio::test]
async fn sqlite_connections_use_wal_normal_sync_and_a_busy_timeout() {
    on_sqlite(async |db: Db| {
        // Held together: the writer, and readers the pool opened before and after it.
        let mut reader = db.store.read().await.unwrap();
        let mut writer = db.store.acquire().await.unwrap();
        let mut later = db.store.read().await.unwrap();
        for conn in [&mut *reader, &mut *writer, &mut *later] {
            let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *conn).await.unwrap();
            let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *conn).await.unwrap();
            let busy_timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout").fetch_one(&mut *conn).await.unwrap();
            assert_eq!((journal_mode.as_str(), synchronous, busy_timeout), ("wal", 1, 5000));
        }
    })
    .await;
}

/// Commits only append to the write-ahead log; a background task copies it into the database
/// file, so the file grows without any commit doing it.
#[tokio::test]
async fn sqlite_copies_its_write_ahead_log_back_in_the_background() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("policybot.db");
    let store = Store::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let mut conn = store.acquire().await.unwrap();
    let autocheckpoint: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(autocheckpoint, 0);
    drop(conn);
    let size = || std::fs::metadata(&path).map_or(0, |meta| meta.len());
    let before = size();
    for n in 0..200 {
        user(&store, &format!("u{n}")).await;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while size() <= before && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(size() > before, "the database file stayed at {before} bytes");
    store.close().await;
}

/// Milliseconds since the epoch of a fixed day, so that times read as times.
const T0: i64 = 1_767_225_600_000;

/// A user for tests that need one.
async fn user(store: &Store, external_id: &str) -> users::User {
    let mut conn = store.acquire().await.unwrap();
    users::get_or_create(&mut conn, "telegram", external_id, "zh", T0).await.unwrap()
}

/// A form's state in `flow`, told apart by the number `n` it holds.
fn state(flow: &str, n: i64) -> DialogState {
    DialogState {
        flow: flow.to_owned(),
        stage: Stage::Summary,
        answers: BTreeMap::from([("n".to_owned(), Value::Integer(n))]),
        trail: Vec::new(),
        ticked: Vec::new(),
        amend: None,
    }
}

/// The number a [`state`] holds.
fn number(state: &DialogState) -> i64 {
    match state.answers["n"] {
        Value::Integer(n) => n,
        ref other => panic!("{other:?}"),
    }
}

/// What an applicant named `name` filed.
fn filing(name: &str) -> Filing {
    Filing { answers: BTreeMap::from([("name".to_owned(), Value::Text(name.to_owned()))]), tier: None, lang: Lang::Zh }
}

/// Files an application for `user_id` at `now`.
async fn file(
    store: &Store,
    user_id: i64,
    reference: &str,
    flow: &str,
    status: Status,
    now: i64,
) -> applications::Application {
    let mut conn = store.acquire().await.unwrap();
    let new = NewApplication { reference, flow, user_id, filing: &filing("张三"), status };
    insert(&mut conn, &new, now).await.unwrap()
}

/// Saves a form's state as the bot does; its new version.
async fn save(
    conn: &mut AnyConnection,
    user_id: i64,
    state: &DialogState,
    expected: Option<i64>,
    update: Option<i64>,
    now: i64,
) -> Result<i64, StoreError> {
    sessions::save(user_id, state, expected, update, now)?.execute(conn).await?;
    Ok(sessions::version_after(expected))
}

/// Deletes a form's state as the bot does.
async fn delete(conn: &mut AnyConnection, user_id: i64, expected: Option<i64>) -> Result<(), StoreError> {
    sessions::delete(user_id, expected).execute(conn).await.map(drop)
}

/// Stores an application and reads it back.
async fn insert(
    conn: &mut AnyConnection,
    new: &NewApplication<'_>,
    now: i64,
) -> Result<applications::Application, StoreError> {
    applications::insert(new, now)?.execute(conn).await?;
    Ok(applications::by_reference(conn, new.reference).await?.expect("the application just stored"))
}

/// Queues a message; its id.
async fn enqueue(conn: &mut AnyConnection, channel: &str, chat: &str, payload: &str, now: i64) -> i64 {
    outbox::enqueue(channel, chat, payload, now).execute(conn).await.unwrap();
    sqlx::query_scalar("SELECT MAX(id) FROM outbox").fetch_one(conn).await.unwrap()
}

/// Whether a statement recording an update recorded it (`false`: it was handled before).
async fn recorded(statement: Statement, conn: &mut AnyConnection) -> bool {
    match statement.execute(conn).await {
        Ok(_) => true,
        Err(StoreError::Conflict { what: users::UPDATE_HANDLED }) => false,
        Err(error) => panic!("{error:?}"),
    }
}

/// A draft attachment of `user_id` for `field`.
async fn draft(store: &Store, user_id: i64, field: &str) -> attachments::Attachment {
    let mut conn = store.acquire().await.unwrap();
    let new = NewAttachment {
        user_id,
        field,
        location: "telegram:AgACAgUAAxkBAAIB",
        name: "certificate.jpg",
        mime: "image/jpeg",
        size: 123_456,
        sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    };
    attachments::insert(&mut conn, &new, T0).await.unwrap()
}

async fn migrations_run_again_on_an_up_to_date_database(db: Db) {
    let alice = user(&db.store, "alice").await;
    let again = Store::connect(&db.url).await.expect("second connect migrates nothing");
    let mut conn = again.acquire().await.unwrap();
    assert_eq!(users::by_id(&mut conn, alice.id).await.unwrap(), Some(alice));
    drop(conn);
    again.close().await;
}

async fn concurrent_first_messages_create_one_user(db: Db) {
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = db.store.clone();
            tokio::spawn(async move {
                let mut conn = store.acquire().await.unwrap();
                users::get_or_create(&mut conn, "telegram", "10001", "en", T0).await.unwrap()
            })
        })
        .collect();
    let mut ids = HashSet::new();
    for task in tasks {
        ids.insert(task.await.unwrap().id);
    }
    assert_eq!(ids.len(), 1, "one user for one (channel, id): {ids:?}");

    let other_channel = {
        let mut conn = db.store.acquire().await.unwrap();
        users::get_or_create(&mut conn, "cli", "10001", "en", T0).await.unwrap()
    };
    assert!(!ids.contains(&other_channel.id), "ids are per channel");
}

async fn users_keep_language_and_consent(db: Db) {
    let mut conn = db.store.acquire().await.unwrap();
    let created = users::get_or_create(&mut conn, "telegram", "42", "zh", T0).await.unwrap();
    assert_eq!((created.lang.as_str(), created.consent_version.as_deref(), created.created_at), ("zh", None, T0));

    users::set_lang(&mut conn, created.id, "en").await.unwrap();
    users::record_consent(created.id, "2026-01", T0 + 5).execute(&mut conn).await.unwrap();
    let seen_again = users::get_or_create(&mut conn, "telegram", "42", "zh-Hant", T0 + 9).await.unwrap();
    assert_eq!(seen_again.id, created.id);
    assert_eq!(seen_again.lang, "en", "an existing user keeps their language");
    assert_eq!(seen_again.consent_version.as_deref(), Some("2026-01"));
    assert_eq!(seen_again.consent_at, Some(T0 + 5));
    assert_eq!(seen_again.created_at, T0);

    users::clear_consent(&mut conn, created.id).await.unwrap();
    let withdrawn = users::by_id(&mut conn, created.id).await.unwrap().unwrap();
    assert_eq!((withdrawn.consent_version, withdrawn.consent_at), (None, None));

    assert!(users::by_id(&mut conn, created.id + 1000).await.unwrap().is_none());
    assert!(matches!(
        users::set_lang(&mut conn, created.id + 1000, "en").await,
        Err(StoreError::Query(sqlx::Error::RowNotFound))
    ));
}

async fn foreign_keys_are_enforced(db: Db) {
    let mut conn = db.store.acquire().await.unwrap();
    let orphan = save(&mut conn, 999, &state("apartment", 0), None, None, T0).await;
    assert!(matches!(orphan, Err(StoreError::Query(_))), "{orphan:?}");
    assert_eq!(sessions::count(&mut conn).await.unwrap(), 0);
}

async fn concurrent_saves_of_one_version_let_one_win(db: Db) {
    let alice = user(&db.store, "alice").await;
    let mut conn = db.store.acquire().await.unwrap();
    assert_eq!(sessions::get(&mut conn, alice.id).await.unwrap(), None);
    let first = save(&mut conn, alice.id, &state("apartment", 1), None, None, T0).await;
    assert_eq!(first.unwrap(), 1);
    let again = save(&mut conn, alice.id, &state("apartment", 1), None, None, T0).await;
    assert!(matches!(again, Err(StoreError::Conflict { .. })), "{again:?}");
    drop(conn);

    let savers: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|who| {
            let store = db.store.clone();
            tokio::spawn(async move {
                let mut conn = store.acquire().await.unwrap();
                let mut state = state("apartment", 2);
                state.trail.push(who.to_owned());
                let saved = save(&mut conn, alice.id, &state, Some(1), None, T0 + 1).await;
                (state, saved)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for saver in savers {
        match saver.await.unwrap() {
            (state, Ok(version)) => winners.push((state, version)),
            (_, Err(StoreError::Conflict { .. })) => {}
            (_, Err(error)) => panic!("unexpected error: {error}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one saver wins");
    let (state, version) = winners.pop().unwrap();
    assert_eq!(version, 2);

    let mut conn = db.store.acquire().await.unwrap();
    let saved = sessions::get(&mut conn, alice.id).await.unwrap().unwrap();
    assert_eq!(
        saved,
        sessions::Session {
            user_id: alice.id,
            flow: "apartment".into(),
            state,
            version: 2,
            updated_at: T0 + 1,
            last_update: None,
        }
    );
    assert_eq!(sessions::count(&mut conn).await.unwrap(), 1);
}

async fn a_stale_delete_is_a_conflict(db: Db) {
    let alice = user(&db.store, "alice").await;
    let mut conn = db.store.acquire().await.unwrap();
    save(&mut conn, alice.id, &state("apartment", 0), None, None, T0).await.unwrap();
    save(&mut conn, alice.id, &state("apartment", 0), Some(1), None, T0).await.unwrap();

    let stale = delete(&mut conn, alice.id, Some(1)).await;
    assert!(matches!(stale, Err(StoreError::Conflict { .. })), "{stale:?}");
    assert_eq!(sessions::count(&mut conn).await.unwrap(), 1);

    delete(&mut conn, alice.id, Some(2)).await.unwrap();
    assert_eq!(sessions::count(&mut conn).await.unwrap(), 0);
    delete(&mut conn, alice.id, None).await.expect("deleting nothing unconditionally");
    let gone = delete(&mut conn, alice.id, Some(2)).await;
    assert!(matches!(gone, Err(StoreError::Conflict { .. })), "{gone:?}");

    save(&mut conn, alice.id, &state("talent", 0), None, None, T0).await.unwrap();
    delete(&mut conn, alice.id, None).await.unwrap();
    assert_eq!(sessions::get(&mut conn, alice.id).await.unwrap(), None);
}

/// The shape of a dialog step: read the session and save it in one transaction. Whatever the
/// backend serialises, an update is either saved or reported, never silently lost.
async fn concurrent_read_modify_write_transactions_lose_no_update(db: Db) {
    let alice = user(&db.store, "alice").await;
    {
        let mut conn = db.store.acquire().await.unwrap();
        save(&mut conn, alice.id, &state("apartment", 0), None, None, T0).await.unwrap();
    }
    let steps: Vec<_> = (0..10)
        .map(|_| {
            let store = db.store.clone();
            tokio::spawn(async move {
                let mut tx = store.begin().await?;
                let session = sessions::get(&mut tx, alice.id).await?.expect("a session");
                let next = state("apartment", number(&session.state) + 1);
                save(&mut tx, alice.id, &next, Some(session.version), None, T0).await?;
                tx.commit().await?;
                Ok::<(), StoreError>(())
            })
        })
        .collect();
    let mut saved = 0;
    for step in steps {
        match step.await.unwrap() {
            Ok(()) => saved += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(error) => panic!("unexpected error: {error:?}"),
        }
    }
    assert!(saved >= 1);
    let mut conn = db.store.acquire().await.unwrap();
    let session = sessions::get(&mut conn, alice.id).await.unwrap().unwrap();
    assert_eq!(session.version, 1 + saved);
    assert_eq!(number(&session.state), saved);
}

async fn next_sequence_hands_out_each_number_once(db: Db) {
    let callers: Vec<_> = (0..50)
        .map(|_| {
            let store = db.store.clone();
            tokio::spawn(async move {
                let mut conn = store.acquire().await.unwrap();
                applications::next_sequence(&mut conn, "APARTMENT-2026").await.unwrap()
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for caller in callers {
        numbers.push(caller.await.unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=50).collect::<Vec<i64>>());

    let mut conn = db.store.acquire().await.unwrap();
    assert_eq!(applications::next_sequence(&mut conn, "TALENT-2026").await.unwrap(), 1);
    assert_eq!(applications::next_sequence(&mut conn, "APARTMENT-2026").await.unwrap(), 51);
}

async fn applications_are_found_by_reference_id_and_user(db: Db) {
    let alice = user(&db.store, "alice").await;
    let bob = user(&db.store, "bob").await;
    let first = file(&db.store, alice.id, "ZJ-APARTMENT-2026-000001", "apartment", Status::Submitted, T0).await;
    assert_eq!(first.reference, "ZJ-APARTMENT-2026-000001");
    assert_eq!(
        (first.flow.as_str(), first.user_id, &first.filing, first.status),
        ("apartment", alice.id, &filing("张三"), Status::Submitted)
    );
    assert_eq!((first.created_at, first.updated_at), (T0, T0));
    let second = file(&db.store, alice.id, "ZJ-TALENT-2026-000001", "talent", Status::Submitted, T0 + 1).await;
    file(&db.store, bob.id, "ZJ-TALENT-2026-000002", "talent", Status::Submitted, T0 + 2).await;

    let mut conn = db.store.acquire().await.unwrap();
    let found = applications::by_reference(&mut conn, "ZJ-APARTMENT-2026-000001").await.unwrap();
    assert_eq!(found.as_ref(), Some(&first));
    assert_eq!(applications::by_id(&mut conn, second.id).await.unwrap().as_ref(), Some(&second));
    assert_eq!(applications::by_reference(&mut conn, "ZJ-NONE").await.unwrap(), None);
    assert_eq!(applications::by_id(&mut conn, second.id + 1000).await.unwrap(), None);
    assert_eq!(applications::of_user(&mut conn, alice.id).await.unwrap(), vec![second, first]);
    assert_eq!(applications::count(&mut conn).await.unwrap(), 3);
}

async fn a_reference_in_use_is_a_conflict(db: Db) {
    let alice = user(&db.store, "alice").await;
    file(&db.store, alice.id, "ZJ-APARTMENT-2026-000001", "apartment", Status::Submitted, T0).await;
    let mut conn = db.store.acquire().await.unwrap();
    let other = filing("李四");
    let duplicate = submitted("ZJ-APARTMENT-2026-000001", alice.id, &other);
    let error = insert(&mut conn, &duplicate, T0 + 1).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict { what: "application reference" }), "{error:?}");
    assert_eq!(applications::count(&mut conn).await.unwrap(), 1);
}

async fn list_filters_by_flow_status_and_time_newest_first(db: Db) {
    let alice = user(&db.store, "alice").await;
    file(&db.store, alice.id, "A-1", "apartment", Status::Submitted, T0).await;
    file(&db.store, alice.id, "T-1", "talent", Status::Approved, T0 + 10).await;
    file(&db.store, alice.id, "A-2", "apartment", Status::Approved, T0 + 20).await;
    file(&db.store, alice.id, "A-3", "apartment", Status::Submitted, T0 + 20).await;

    let mut conn = db.store.acquire().await.unwrap();
    let mut list = async |filter: Filter| -> Vec<String> {
        let found = applications::list(&mut conn, &filter).await.unwrap();
        found.into_iter().map(|application| application.reference).collect()
    };
    let flow = |flow: &str| Some(flow.to_owned());
    assert_eq!(list(Filter::default()).await, ["A-3", "A-2", "T-1", "A-1"]);
    assert_eq!(list(Filter { flow: flow("apartment"), ..Filter::default() }).await, ["A-3", "A-2", "A-1"]);
    assert_eq!(list(Filter { status: Some(Status::Approved), ..Filter::default() }).await, ["A-2", "T-1"]);
    assert_eq!(list(Filter { since: Some(T0 + 10), ..Filter::default() }).await, ["A-3", "A-2", "T-1"]);
    let all_three =
        Filter { flow: flow("apartment"), status: Some(Status::Submitted), since: Some(T0 + 1), ..Filter::default() };
    assert_eq!(list(all_three).await, ["A-3"]);
    assert!(list(Filter { flow: flow("none"), ..Filter::default() }).await.is_empty());
}

async fn set_status_is_a_compare_and_set(db: Db) {
    let alice = user(&db.store, "alice").await;
    let filed = file(&db.store, alice.id, "A-1", "apartment", Status::Submitted, T0).await;
    let mut conn = db.store.acquire().await.unwrap();

    applications::set_status(&mut conn, filed.id, Status::Submitted, Status::Approved, T0 + 5).await.unwrap();
    let late = applications::set_status(&mut conn, filed.id, Status::Submitted, Status::Rejected, T0 + 6).await;
    assert!(matches!(late, Err(StoreError::Conflict { what: "application status" })), "{late:?}");
    let approved = applications::by_id(&mut conn, filed.id).await.unwrap().unwrap();
    assert_eq!((approved.status, approved.updated_at), (Status::Approved, T0 + 5));

    applications::set_answers(&mut conn, filed.id, &filing("李四"), T0 + 7).await.unwrap();
    let edited = applications::by_id(&mut conn, filed.id).await.unwrap().unwrap();
    assert_eq!((&edited.filing, edited.updated_at), (&filing("李四"), T0 + 7));
    assert_eq!(edited.created_at, T0);
}

async fn events_come_oldest_first(db: Db) {
    let alice = user(&db.store, "alice").await;
    let filed = file(&db.store, alice.id, "A-1", "apartment", Status::Submitted, T0).await;
    let other = file(&db.store, alice.id, "A-2", "apartment", Status::Submitted, T0).await;
    let mut conn = db.store.acquire().await.unwrap();
    let actor = format!("user:{}", alice.id);
    let note = Some("请补充学历证明");
    let degree = ["degree".to_owned()];
    let filing =
        |reference| NewEvent { reference, actor: &actor, from: None, to: Status::Submitted, note: None, fields: None };
    events::insert(&filing(&filed.reference), T0).unwrap().execute(&mut conn).await.unwrap();
    events::insert(&filing(&other.reference), T0).unwrap().execute(&mut conn).await.unwrap();
    let request = NewEvent {
        reference: &filed.reference,
        actor: "staff:wang",
        from: Some(Status::Submitted),
        to: Status::NeedInfo,
        note,
        fields: Some(&degree),
    };
    events::insert(&request, T0 + 9).unwrap().execute(&mut conn).await.unwrap();
    let approval = NewEvent { from: Some(Status::NeedInfo), to: Status::Approved, note: None, fields: None, ..request };
    events::insert(&approval, T0 + 9).unwrap().execute(&mut conn).await.unwrap();

    let history = events::of_application(&mut conn, filed.id).await.unwrap();
    let moves: Vec<_> = history.iter().map(|event| (event.from_status, event.to_status, event.created_at)).collect();
    assert_eq!(
        moves,
        [
            (None, Status::Submitted, T0),
            (Some(Status::Submitted), Status::NeedInfo, T0 + 9),
            (Some(Status::NeedInfo), Status::Approved, T0 + 9),
        ]
    );
    assert_eq!(history[0].actor, actor);
    assert_eq!(
        (history[1].actor.as_str(), history[1].note.as_deref(), history[1].fields.as_deref()),
        ("staff:wang", note, Some(&degree[..]))
    );
    let latest = events::latest_request(&mut conn, filed.id).await.unwrap();
    assert_eq!(latest.as_ref(), Some(&history[1]), "the latest event naming fields is the request");
    assert_eq!(events::latest_request(&mut conn, other.id).await.unwrap(), None);
    assert!(history.iter().all(|event| event.application_id == filed.id));
    assert_eq!(events::of_application(&mut conn, other.id).await.unwrap().len(), 1);
}

async fn drafts_are_linked_to_the_filed_application(db: Db) {
    let alice = user(&db.store, "alice").await;
    let bob = user(&db.store, "bob").await;
    let diploma = draft(&db.store, alice.id, "diploma").await;
    let passport = draft(&db.store, alice.id, "passport").await;
    let bobs = draft(&db.store, bob.id, "diploma").await;
    assert_eq!(diploma.application_id, None);
    assert_eq!((diploma.size, diploma.created_at, diploma.mime.as_str()), (123_456, T0, "image/jpeg"));

    let mut conn = db.store.acquire().await.unwrap();
    assert_eq!(attachments::drafts_of_user(&mut conn, alice.id).await.unwrap(), [diploma.clone(), passport.clone()]);
    drop(conn);

    let filed = file(&db.store, alice.id, "A-1", "apartment", Status::Submitted, T0).await;
    let mut conn = db.store.acquire().await.unwrap();
    assert_eq!(attachments::link_drafts(alice.id, &filed.reference).execute(&mut conn).await.unwrap(), 2);
    let linked = attachments::of_application(&mut conn, filed.id).await.unwrap();
    assert_eq!(linked.iter().map(|a| a.id).collect::<Vec<_>>(), [diploma.id, passport.id]);
    assert!(linked.iter().all(|a| a.application_id == Some(filed.id)));
    assert!(attachments::drafts_of_user(&mut conn, alice.id).await.unwrap().is_empty());
    assert_eq!(attachments::drafts_of_user(&mut conn, bob.id).await.unwrap(), [bobs]);
    assert_eq!(attachments::link_drafts(alice.id, &filed.reference).execute(&mut conn).await.unwrap(), 0);
}

async fn deleting_drafts_returns_them_and_keeps_linked_files(db: Db) {
    let alice = user(&db.store, "alice").await;
    draft(&db.store, alice.id, "diploma").await;
    let filed = file(&db.store, alice.id, "A-1", "apartment", Status::Submitted, T0).await;
    {
        let mut conn = db.store.acquire().await.unwrap();
        attachments::link_drafts(alice.id, &filed.reference).execute(&mut conn).await.unwrap();
    }
    let photo = draft(&db.store, alice.id, "photo").await;
    let scan = draft(&db.store, alice.id, "scan").await;

    let mut conn = db.store.acquire().await.unwrap();
    assert_eq!(attachments::delete_drafts_of_user(&mut conn, alice.id).await.unwrap(), [photo, scan]);
    assert!(attachments::drafts_of_user(&mut conn, alice.id).await.unwrap().is_empty());
    assert!(attachments::delete_drafts_of_user(&mut conn, alice.id).await.unwrap().is_empty());
    assert_eq!(attachments::of_application(&mut conn, filed.id).await.unwrap().len(), 1);
}

async fn a_rolled_back_transaction_leaves_nothing(db: Db) {
    let mut tx = db.store.begin().await.unwrap();
    let alice = users::get_or_create(&mut tx, "telegram", "alice", "zh", T0).await.unwrap();
    save(&mut tx, alice.id, &state("apartment", 0), None, None, T0).await.unwrap();
    let sequence = applications::next_sequence(&mut tx, "APARTMENT-2026").await.unwrap();
    let reference = format!("ZJ-APARTMENT-2026-{sequence:06}");
    let new = NewApplication {
        reference: &reference,
        flow: "apartment",
        user_id: alice.id,
        filing: &filing("张三"),
        status: Status::Submitted,
    };
    let filed = insert(&mut tx, &new, T0).await.unwrap();
    let event = NewEvent {
        reference: &filed.reference,
        actor: "user",
        from: None,
        to: Status::Submitted,
        note: None,
        fields: None,
    };
    events::insert(&event, T0).unwrap().execute(&mut tx).await.unwrap();
    tx.rollback().await.unwrap();

    let mut conn = db.store.acquire().await.unwrap();
    assert_eq!(users::by_id(&mut conn, alice.id).await.unwrap(), None);
    assert_eq!(sessions::count(&mut conn).await.unwrap(), 0);
    assert_eq!(applications::count(&mut conn).await.unwrap(), 0);
    assert_eq!(applications::by_reference(&mut conn, &reference).await.unwrap(), None);
    assert!(events::of_application(&mut conn, filed.id).await.unwrap().is_empty());
    assert_eq!(applications::next_sequence(&mut conn, "APARTMENT-2026").await.unwrap(), 1);
}

async fn a_script_commits_all_its_statements_or_none(db: Db) {
    let alice = user(&db.store, "alice").await;
    save(&mut db.store.acquire().await.unwrap(), alice.id, &state("tax", 0), None, None, T0).await.unwrap();
    // The form moved on meanwhile (version 2): a script saving over version 1 changes nothing.
    save(&mut db.store.acquire().await.unwrap(), alice.id, &state("tax", 1), Some(1), None, T0).await.unwrap();
    let stale = |consent: &str| {
        let mut script = Script::default();
        script.push(users::record_consent(alice.id, consent, T0 + 1));
        script.push(sessions::save(alice.id, &state("tax", 2), Some(1), None, T0 + 1).unwrap());
        script.push(enqueue_statement("stale"));
        script
    };
    // A user who does not exist is no lost race but an unknown id.
    let mut unknown = Script::default();
    unknown.push(users::record_consent(alice.id + 1_000, "2026-01", T0 + 1));
    unknown.push(enqueue_statement("unknown"));
    let error = unknown.commit(&db.store).await.unwrap_err();
    assert!(matches!(error, StoreError::Query(sqlx::Error::RowNotFound)), "{error:?}");
    let error = stale("2026-01").commit(&db.store).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict { what: "dialog session" }), "{error:?}");
    let mut conn = db.store.acquire().await.unwrap();
    assert_eq!(users::by_id(&mut conn, alice.id).await.unwrap().unwrap().consent_version, None, "consent rolled back");
    assert_eq!(outbox::unsent(&mut conn).await.unwrap(), 0, "the message rolled back");
    drop(conn);

    let mut script = Script::default();
    script.push(users::record_consent(alice.id, "2026-01", T0 + 2));
    script.push(sessions::save(alice.id, &state("tax", 2), Some(2), Some(7), T0 + 2).unwrap());
    script.push(enqueue_statement("fresh"));
    script.commit(&db.store).await.unwrap();
    let mut conn = db.store.acquire().await.unwrap();
    let (user, session) = users::with_session(&mut conn, "telegram", "alice").await.unwrap().unwrap();
    let session = session.expect("the form");
    assert_eq!((user.consent_version.as_deref(), session.version, session.last_update), (Some("2026-01"), 3, Some(7)));
    assert_eq!(session.version, sessions::version_after(Some(2)));
    assert_eq!(outbox::unsent(&mut conn).await.unwrap(), 1);
}

async fn a_script_that_fails_midway_leaves_its_connection_usable(db: Db) {
    let alice = user(&db.store, "alice").await;
    file(&db.store, alice.id, "A-1", "apartment", Status::Submitted, T0).await;
    let other = filing("李四");
    let duplicate = submitted("A-1", alice.id, &other);
    // Every connection of the pool runs the failing script in turn, then a write of its own.
    for attempt in 0..12 {
        let mut script = Script::default();
        script.push(enqueue_statement("before"));
        script.push(applications::insert(&duplicate, T0).unwrap());
        script.push(enqueue_statement("after"));
        let error = script.commit(&db.store).await.unwrap_err();
        assert!(matches!(error, StoreError::Conflict { what: "application reference" }), "{attempt}: {error:?}");
        let mut conn = db.store.acquire().await.unwrap();
        users::record_consent(alice.id, &format!("v{attempt}"), T0).execute(&mut conn).await.unwrap();
    }
    let mut conn = db.store.acquire().await.unwrap();
    assert_eq!(outbox::unsent(&mut conn).await.unwrap(), 0, "nothing of a failed script stays");
    assert_eq!(users::by_id(&mut conn, alice.id).await.unwrap().unwrap().consent_version.as_deref(), Some("v11"));
}

/// An apartment application of `user_id` under `reference`, as filed.
fn submitted<'a>(reference: &'a str, user_id: i64, filing: &'a Filing) -> NewApplication<'a> {
    NewApplication { reference, flow: "apartment", user_id, filing, status: Status::Submitted }
}

/// A message for the staff chat, queued by a script.
fn enqueue_statement(payload: &str) -> Statement {
    outbox::enqueue("telegram", "staff", payload, T0)
}

async fn a_user_and_their_form_are_read_together(db: Db) {
    let mut conn = db.store.acquire().await.unwrap();
    assert_eq!(users::with_session(&mut conn, "test", "nobody").await.unwrap(), None);
    let alice = users::get_or_create(&mut conn, "test", "alice", "en", T0).await.unwrap();
    let (user, session) = users::with_session(&mut conn, "test", "alice").await.unwrap().unwrap();
    assert_eq!((user, session), (alice.clone(), None));
    save(&mut conn, alice.id, &state("tax", 0), None, None, T0 + 1).await.unwrap();
    let (_, session) = users::with_session(&mut conn, "test", "alice").await.unwrap().unwrap();
    let session = session.expect("the form in progress");
    assert_eq!(
        (session.user_id, session.flow.as_str(), session.version, session.updated_at),
        (alice.id, "tax", 1, T0 + 1)
    );
}

async fn drafts_of_one_field_are_replaced(db: Db) {
    let alice = user(&db.store, "alice").await;
    let mut conn = db.store.acquire().await.unwrap();
    for (field, location) in [("photo", "a"), ("photo", "b"), ("scan", "c")] {
        let new = NewAttachment {
            user_id: alice.id,
            field,
            location,
            name: "x.jpg",
            mime: "image/jpeg",
            size: 1,
            sha256: "00",
        };
        attachments::insert(&mut conn, &new, T0).await.unwrap();
    }
    let removed = attachments::delete_drafts_of_field(&mut conn, alice.id, "photo").await.unwrap();
    let mut locations: Vec<_> = removed.iter().map(|a| a.location.as_str()).collect();
    locations.sort_unstable();
    assert_eq!(locations, ["a", "b"]);
    let left = attachments::drafts_of_user(&mut conn, alice.id).await.unwrap();
    assert_eq!(left.iter().map(|a| a.field.as_str()).collect::<Vec<_>>(), ["scan"]);
}

async fn a_restarted_sender_takes_back_only_its_own_claims(db: Db) {
    let mut conn = db.store.acquire().await.unwrap();
    let mine = enqueue(&mut conn, "telegram", "1", "a1", T0).await;
    let theirs = enqueue(&mut conn, "telegram", "2", "b1", T0).await;
    outbox::claim(&mut conn, "telegram", "host/a", T0, 60_000, 1).await.unwrap();
    outbox::claim(&mut conn, "telegram", "host/b", T0, 60_000, 1).await.unwrap();
    assert_eq!(outbox::release(&mut conn, "host/a").await.unwrap(), 1);
    let again = outbox::claim(&mut conn, "telegram", "host/a", T0 + 1, 60_000, 10).await.unwrap();
    assert_eq!(again.iter().map(|p| p.id).collect::<Vec<_>>(), [mine], "another sender's lease holds: {theirs}");
    outbox::mark_sent(&mut conn, mine, T0 + 2).await.unwrap();
    assert_eq!(outbox::release(&mut conn, "host/a").await.unwrap(), 0, "a sent message stays sent");
}

async fn the_outbox_sends_each_chat_in_order_and_retries(db: Db) {
    let mut conn = db.store.acquire().await.unwrap();
    let first = enqueue(&mut conn, "telegram", "1", "a1", T0).await;
    let second = enqueue(&mut conn, "telegram", "1", "a2", T0).await;
    let other = enqueue(&mut conn, "telegram", "2", "b1", T0).await;
    enqueue(&mut conn, "cli", "3", "c1", T0).await;
    let claimed = outbox::claim(&mut conn, "telegram", "w1", T0, 1_000, 10).await.unwrap();
    assert_eq!(claimed.iter().map(|p| p.id).collect::<Vec<_>>(), [first, other], "only each chat's oldest message");
    assert!(
        outbox::claim(&mut conn, "telegram", "w2", T0 + 10, 1_000, 10).await.unwrap().is_empty(),
        "leased rows are not claimed again"
    );
    outbox::retry_later(&mut conn, first, T0 + 5_000, "429").await.unwrap();
    outbox::mark_sent(&mut conn, other, T0).await.unwrap();
    assert!(
        outbox::claim(&mut conn, "telegram", "w1", T0 + 100, 1_000, 10).await.unwrap().is_empty(),
        "not due yet, and a2 waits for a1"
    );
    let again = outbox::claim(&mut conn, "telegram", "w1", T0 + 5_000, 1_000, 10).await.unwrap();
    assert_eq!((again[0].id, again[0].attempts), (first, 1));
    outbox::give_up(&mut conn, first, "blocked", T0 + 5_001).await.unwrap();
    let next = outbox::claim(&mut conn, "telegram", "w1", T0 + 5_002, 1_000, 10).await.unwrap();
    assert_eq!(next.iter().map(|p| p.id).collect::<Vec<_>>(), [second]);
    let expired = outbox::claim(&mut conn, "telegram", "w2", T0 + 6_003, 1_000, 10).await.unwrap();
    assert_eq!(expired.iter().map(|p| p.id).collect::<Vec<_>>(), [second], "an expired lease is claimable again");
    assert_eq!(outbox::unsent(&mut conn).await.unwrap(), 2, "a2 and the cli message");
}

async fn concurrent_senders_never_claim_the_same_message(db: Db) {
    let mut conn = db.store.acquire().await.unwrap();
    for chat in 0..60 {
        enqueue(&mut conn, "telegram", &chat.to_string(), "m", T0).await;
    }
    drop(conn);
    let senders: Vec<_> = (0..6)
        .map(|worker| {
            let store = db.store.clone();
            tokio::spawn(async move {
                let mut claimed = Vec::new();
                loop {
                    let mut tx = store.begin().await.unwrap();
                    let batch = outbox::claim(&mut tx, "telegram", &format!("w{worker}"), T0, 60_000, 4).await.unwrap();
                    tx.commit().await.unwrap();
                    if batch.is_empty() {
                        return claimed;
                    }
                    claimed.extend(batch.into_iter().map(|p| p.id));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for sender in senders {
        all.extend(sender.await.unwrap());
    }
    let distinct: HashSet<i64> = all.iter().copied().collect();
    assert_eq!((all.len(), distinct.len()), (60, 60), "every message claimed exactly once");
}

async fn updates_are_recorded_once_and_pruned(db: Db) {
    let mut conn = db.store.acquire().await.unwrap();
    assert!(recorded(updates::record("telegram", 7, T0), &mut conn).await);
    assert!(!recorded(updates::record("telegram", 7, T0 + 1), &mut conn).await, "a redelivery is recognised");
    assert!(recorded(updates::record("other", 7, T0), &mut conn).await, "ids are per channel");
    assert!(updates::seen(&mut conn, "telegram", 7).await.unwrap());
    assert_eq!(updates::prune(&mut conn, T0 + 1).await.unwrap(), 2);
    assert!(!updates::seen(&mut conn, "telegram", 7).await.unwrap());
}

async fn a_private_chats_last_update_is_kept_on_the_form_or_the_user(db: Db) {
    let alice = user(&db.store, "alice").await;
    let mut conn = db.store.acquire().await.unwrap();
    assert!(recorded(users::mark_update(alice.id, 5), &mut conn).await);
    assert!(!recorded(users::mark_update(alice.id, 5), &mut conn).await, "the same update again");
    assert!(!recorded(users::mark_update(alice.id, 4), &mut conn).await, "an earlier update");
    // A form step keeps its update on the form; a save without one keeps the last.
    save(&mut conn, alice.id, &state("tax", 0), None, Some(8), T0).await.unwrap();
    save(&mut conn, alice.id, &state("tax", 0), Some(1), None, T0).await.unwrap();
    let session = sessions::get(&mut conn, alice.id).await.unwrap().expect("a form");
    assert_eq!((session.version, session.last_update), (2, Some(8)));
    save(&mut conn, alice.id, &state("tax", 0), Some(2), Some(9), T0).await.unwrap();
    let (user, session) = users::with_session(&mut conn, "telegram", "alice").await.unwrap().expect("alice");
    assert_eq!((user.last_update, session.and_then(|s| s.last_update)), (Some(5), Some(9)));
    assert!(!recorded(users::mark_update(alice.id, 7), &mut conn).await, "below the form's last update");
    assert!(recorded(users::mark_update(alice.id, 10), &mut conn).await);
    delete(&mut conn, alice.id, None).await.unwrap();
    assert_eq!(users::by_id(&mut conn, alice.id).await.unwrap().expect("alice").last_update, Some(10));
}

async fn stored_updates_come_back_in_order_until_forgotten(db: Db) {
    let stored = |update_id: i64| Stored { update_id, body: format!("{{\"update_id\":{update_id}}}") };
    let mut conn = db.store.acquire().await.unwrap();
    inbox::keep(&mut conn, "telegram", &[stored(12), stored(10), stored(11)], T0).await.unwrap();
    // A batch fetched again after a crash overlaps what was stored.
    inbox::keep(&mut conn, "telegram", &[stored(11), stored(13)], T0 + 1).await.unwrap();
    inbox::keep(&mut conn, "other", &[stored(10)], T0).await.unwrap();
    inbox::keep(&mut conn, "telegram", &[], T0).await.unwrap();
    let ids = |rows: Vec<Stored>| rows.into_iter().map(|row| row.update_id).collect::<Vec<_>>();
    let all = inbox::stored(&mut conn, "telegram").await.unwrap();
    assert_eq!(all[0], stored(10));
    assert_eq!(ids(all), [10, 11, 12, 13]);
    assert_eq!(inbox::forget_below(&mut conn, "telegram", 12).await.unwrap(), 2);
    assert_eq!(ids(inbox::stored(&mut conn, "telegram").await.unwrap()), [12, 13]);
    assert_eq!(ids(inbox::stored(&mut conn, "other").await.unwrap()), [10], "ids are per channel");
}

async fn sent_messages_handled_updates_and_their_ids_are_deleted_after_the_retention_period(db: Db) {
    const DAY: i64 = 24 * 3600 * 1000;
    let now = T0 + 40 * DAY;
    let mut conn = db.store.acquire().await.unwrap();
    let mut queued = Vec::new();
    for chat in ["sent-long-ago", "sent-lately", "failed-long-ago", "unsent"] {
        queued.push(enqueue(&mut conn, "telegram", chat, "{}", T0).await);
    }
    outbox::mark_sent(&mut conn, queued[0], T0).await.unwrap();
    outbox::mark_sent(&mut conn, queued[1], now - DAY).await.unwrap();
    outbox::give_up(&mut conn, queued[2], "blocked", T0).await.unwrap();
    let stored = |update_id: i64| Stored { update_id, body: "{}".to_owned() };
    inbox::keep(&mut conn, "telegram", &[stored(1)], T0).await.unwrap();
    inbox::keep(&mut conn, "telegram", &[stored(2)], now - DAY).await.unwrap();
    updates::record("telegram", 1, T0).execute(&mut conn).await.unwrap();
    updates::record("telegram", 2, now - DAY).execute(&mut conn).await.unwrap();
    drop(conn);

    let clock = Clock::Fixed(chrono::DateTime::from_timestamp_millis(now).unwrap().fixed_offset());
    let files = tempfile::tempdir().unwrap();
    let delivery = Delivery::new(db.store.clone(), clock, FileStore::open(files.path()).unwrap());
    let pruned = delivery.prune(Retention::default()).await.unwrap();
    assert_eq!(pruned, Pruned { sent: 1, inbox: 1, updates: 1, conversations: 0 });

    let mut conn = db.store.acquire().await.unwrap();
    let chats: Vec<String> =
        sqlx::query_scalar("SELECT chat FROM outbox ORDER BY id").fetch_all(&mut *conn).await.unwrap();
    assert_eq!(chats, ["sent-lately", "failed-long-ago", "unsent"], "unsent and given-up messages stay");
    let left: Vec<i64> = inbox::stored(&mut conn, "telegram").await.unwrap().iter().map(|s| s.update_id).collect();
    assert_eq!(left, [2]);
    assert!(
        !updates::seen(&mut conn, "telegram", 1).await.unwrap()
            && updates::seen(&mut conn, "telegram", 2).await.unwrap()
    );
    assert!(
        Retention::days(1).is_err() && "2".parse::<Retention>().is_ok(),
        "update ids are kept past Telegram's redelivery"
    );
}

async fn readers_do_not_wait_for_a_write_transaction(db: Db) {
    let alice = user(&db.store, "alice").await;
    let mut tx = db.store.begin().await.unwrap();
    users::set_lang(&mut tx, alice.id, "en").await.unwrap();
    // The transaction holds the write lock (SQLite) or the row (PostgreSQL); a reader must not wait.
    let read = async {
        let mut conn = db.store.read().await.unwrap();
        users::by_id(&mut conn, alice.id).await.unwrap().expect("alice").lang
    };
    let lang = tokio::time::timeout(std::time::Duration::from_secs(10), read).await.expect("a reader is not blocked");
    assert_eq!(lang, alice.lang, "the open transaction is not visible");
    tx.commit().await.unwrap();
}

async fn a_staff_prompt_is_taken_once(db: Db) {
    let mut conn = db.store.acquire().await.unwrap();
    let prompt = Prompt {
        chat: "-100".into(),
        staff: "42".into(),
        reference: "R-1".into(),
        action: "reject".into(),
        created_at: T0,
    };
    prompts::open(&mut conn, &prompt).await.unwrap();
    prompts::open(&mut conn, &Prompt { reference: "R-2".into(), ..prompt.clone() }).await.unwrap();
    let taken = prompts::take(&mut conn, "-100", "42").await.unwrap().expect("open");
    assert_eq!(taken.reference, "R-2", "a new prompt replaces the old one");
    assert_eq!(prompts::take(&mut conn, "-100", "42").await.unwrap(), None);
}

async fn staff_actions_are_audited(db: Db) {
    let mut conn = db.store.acquire().await.unwrap();
    audit::record(&mut conn, "telegram:42", "export", "xlsx, 3 applications", T0).await.unwrap();
    audit::record(&mut conn, "cli:wang", "export", "csv, 1 application", T0 + 1).await.unwrap();
    let entries = audit::latest(&mut conn, 10).await.unwrap();
    let latest = &entries[0];
    assert_eq!(
        (latest.actor.as_str(), latest.action.as_str(), latest.detail.as_str(), latest.created_at),
        ("cli:wang", "export", "csv, 1 application", T0 + 1)
    );
    assert_eq!(entries.len(), 2);
}

/// JSON the store did not write (a hand edit, a later version's format) is reported, not guessed.
async fn a_row_that_does_not_decode_is_corrupt(db: Db) {
    let alice = user(&db.store, "alice").await;
    let filed = file(&db.store, alice.id, "A-1", "apartment", Status::Submitted, T0).await;
    let mut conn = db.store.acquire().await.unwrap();
    save(&mut conn, alice.id, &state("tax", 0), None, None, T0).await.unwrap();
    sqlx::query("UPDATE dialog_sessions SET state = 'not json' WHERE user_id = $1")
        .bind(alice.id)
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE applications SET status = 'pending' WHERE id = $1")
        .bind(filed.id)
        .execute(&mut *conn)
        .await
        .unwrap();
    let session = sessions::get(&mut conn, alice.id).await;
    assert!(matches!(session, Err(StoreError::Corrupt(_))), "{session:?}");
    let with_session = users::with_session(&mut conn, "telegram", "alice").await;
    assert!(matches!(with_session, Err(StoreError::Corrupt(_))), "{with_session:?}");
    let application = applications::by_id(&mut conn, filed.id).await;
    assert!(matches!(application, Err(StoreError::Corrupt(_))), "{application:?}");
}
