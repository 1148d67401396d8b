-- Messages that must not be lost (staff notifications, status pushes to applicants), written in the
-- same transaction as the change they report and sent by a worker that retries until the messenger
-- accepts them. A worker claims a row for a lease; only the oldest unsent row of a chat is
-- claimable, so a chat's messages go out in order whichever instance sends them.
CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel         TEXT    NOT NULL,
    chat            TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_by      TEXT,
    claimed_until   BIGINT,
    last_error      TEXT,
    sent_at         BIGINT,
    failed_at       BIGINT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (sent_at, failed_at, next_attempt_at);
CREATE INDEX outbox_chat ON outbox (chat, id);

-- Updates already handled, so that a redelivered update (after a crash or a lost acknowledgement)
-- is not handled twice. Telegram keeps updates for 24 hours; older rows are pruned.
CREATE TABLE processed_updates (
    channel      TEXT    NOT NULL,
    update_id    BIGINT NOT NULL,
    processed_at BIGINT NOT NULL,
    PRIMARY KEY (channel, update_id)
);
CREATE INDEX processed_updates_time ON processed_updates (processed_at);

-- A staff member pressed 驳回 or 补正 and the bot waits for the reason in that chat.
CREATE TABLE staff_prompts (
    chat       TEXT    NOT NULL,
    staff      TEXT    NOT NULL,
    reference  TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (chat, staff)
);

-- Staff actions that are not a status change of one application (exports).
CREATE TABLE audit_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    detail     TEXT    NOT NULL,
    created_at BIGINT NOT NULL
);
