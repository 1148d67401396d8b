-- The question a user asked last, and when (epoch ms): a follow-up a few minutes later ("那我老婆孩子
-- 呢？") is read with it as its context. Identifiers in it are redacted; /forget clears it.
ALTER TABLE users ADD COLUMN last_question TEXT;
ALTER TABLE users ADD COLUMN last_question_at INTEGER;

-- Questions the bot could not answer, answered without much confidence, or handed over to a
-- person: what staff read to see what people ask and which words the lexicon lacks. Identifiers
-- are redacted and no user is recorded.
CREATE TABLE questions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    asked_at   INTEGER NOT NULL,
    lang       TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('refused', 'uncertain', 'handover')),
    text       TEXT    NOT NULL,
    confidence REAL
) STRICT;
CREATE INDEX questions_by_time ON questions (asked_at);
