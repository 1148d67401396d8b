-- Initial schema, SQLite flavour. migrations/postgres/0001_initial.sql is the same schema; the
-- two differ only in key and integer types and in STRICT, which SQLite needs to refuse a value of
-- the wrong type (it would otherwise store anything in any column).
-- Times are epoch milliseconds, JSON is TEXT.

-- People talking to the bot, one row per (channel, id on that channel).
CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel         TEXT    NOT NULL,
    external_id     TEXT    NOT NULL,
    lang            TEXT    NOT NULL,
    consent_version TEXT,
    consent_at      INTEGER,
    created_at      INTEGER NOT NULL,
    UNIQUE (channel, external_id),
    -- consent is given at a version and a time, or not at all
    CHECK ((consent_version IS NULL) = (consent_at IS NULL))
) STRICT;

-- The form a user is filling in; it goes with the user.
CREATE TABLE dialog_sessions (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    flow       TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    updated_at INTEGER NOT NULL
) STRICT;

-- Filed forms. A user who filed one cannot be deleted (RESTRICT): staff records outlive chats.
CREATE TABLE applications (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    reference  TEXT    NOT NULL UNIQUE,
    flow       TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    answers    TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
-- Each filter of the staff list, and a user's own list, comes newest first.
CREATE INDEX applications_status_created ON applications (status, created_at);
CREATE INDEX applications_flow_created ON applications (flow, created_at);
CREATE INDEX applications_user_created ON applications (user_id, created_at);
CREATE INDEX applications_created ON applications (created_at);

-- Audit log of applications; never deleted with them.
CREATE TABLE application_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE RESTRICT,
    actor          TEXT    NOT NULL,
    from_status    TEXT,
    to_status      TEXT    NOT NULL,
    note           TEXT,
    created_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX application_events_application ON application_events (application_id, created_at);

-- Files sent for a form: drafts of the user (application_id NULL) until the form is filed.
-- Drafts go with the user; linked files stay, as their application's user cannot be deleted.
CREATE TABLE attachments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    application_id INTEGER REFERENCES applications (id) ON DELETE RESTRICT,
    field          TEXT    NOT NULL,
    location       TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    mime           TEXT    NOT NULL,
    size           INTEGER NOT NULL CHECK (size >= 0),
    sha256         TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX attachments_user_application ON attachments (user_id, application_id);
CREATE INDEX attachments_application ON attachments (application_id);

-- Named counters for reference numbers ("APARTMENT-2026" → 123).
CREATE TABLE counters (
    name  TEXT    NOT NULL PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;
