-- The staff console: accounts, their sessions, failed sign-ins, daily counts for the figures
-- staff read, and what the application list searches and sorts by.

-- Staff who sign in to the web console. Passwords are Argon2id hashes (PHC strings).
CREATE TABLE staff_accounts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('reviewer', 'admin')),
    password_hash TEXT    NOT NULL,
    disabled_at   BIGINT,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);

-- Signed-in browsers. The cookie holds a random id; only its SHA-256 is kept here, so that a copy
-- of the database opens no session. An account's sessions go with it.
CREATE TABLE staff_sessions (
    id_hash    TEXT    NOT NULL PRIMARY KEY,
    account_id BIGINT  NOT NULL REFERENCES staff_accounts (id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL,
    seen_at    BIGINT  NOT NULL
);
CREATE INDEX staff_sessions_account ON staff_sessions (account_id);

-- Failed sign-ins per account ("account:wang") and per address ("address:203.0.113.7"), which
-- slow down guessing; shared by the instances.
CREATE TABLE login_failures (
    subject       TEXT    NOT NULL PRIMARY KEY,
    failures      BIGINT  NOT NULL,
    first_at      BIGINT  NOT NULL,
    blocked_until BIGINT  NOT NULL
);

-- Counts per day (China time, YYYY-MM-DD) for the console's figures, without anything personal:
-- metric 'form' (subject "<flow>/<mark>": started, a step answered, summary, filed), 'question'
-- (subject: how a question went), 'clause' (subject: a clause an answer quoted).
CREATE TABLE daily_counts (
    metric  TEXT    NOT NULL,
    day     TEXT    NOT NULL,
    subject TEXT    NOT NULL,
    count   BIGINT  NOT NULL,
    PRIMARY KEY (metric, day, subject)
);

-- The applicant's name, for the staff list's search (the answers are JSON).
ALTER TABLE applications ADD COLUMN applicant_name TEXT;
UPDATE applications SET applicant_name = COALESCE(
    answers::json #>> '{answers,name,value}', answers::json #>> '{answers,full_name,value}');
-- The staff list: applications waiting for staff first, newest first.
CREATE INDEX applications_queue ON applications (
    (CASE WHEN status IN ('submitted', 'in_review') THEN 0 ELSE 1 END), created_at DESC, id DESC);
