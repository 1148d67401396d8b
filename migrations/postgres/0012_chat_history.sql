-- The citizens' web chat keeps each visitor's conversation, so that a reloaded page, a closed tab
-- or a phone that went to sleep shows it again: what the visitor sent and what the bot said (with
-- its buttons as JSON), in order. `visitor` is the random id of the visitor's cookie, the same as
-- the user's external id on the channel `web`.
CREATE TABLE chat_history (
    id         BIGSERIAL PRIMARY KEY,
    visitor    TEXT      NOT NULL,
    role       TEXT      NOT NULL CHECK (role IN ('user', 'bot')),
    text       TEXT      NOT NULL,
    buttons    TEXT      NOT NULL,
    created_at BIGINT    NOT NULL
);
CREATE INDEX chat_history_visitor ON chat_history (visitor, id);
CREATE INDEX chat_history_time ON chat_history (created_at);
