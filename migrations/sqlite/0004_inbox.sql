-- Updates fetched by long polling, stored before Telegram is told to forget them (the next
-- getUpdates confirms a batch), so that a crash after the confirmation cannot lose an update that
-- was not yet handled: at start the bot handles what is left here, and processed_updates skips
-- what was handled already. Rows below the oldest update still being handled are deleted.
CREATE TABLE inbox (
    channel     TEXT    NOT NULL,
    update_id   INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (channel, update_id)
) STRICT;
