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

-- The id of the last update of the user's private chat that was handled. A private chat's updates
-- are handled in order, so an update at or below it is a redelivery. A form step records it on the
-- session row in the step's one statement; turns without a form, and the one closing a form,
-- record it on the user's row. Updates of group chats (the staff chat) are not ordered with the
-- private chat's and go to processed_updates.
ALTER TABLE users ADD COLUMN last_update INTEGER;
ALTER TABLE dialog_sessions ADD COLUMN last_update INTEGER;
