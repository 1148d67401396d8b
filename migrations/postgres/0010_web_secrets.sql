-- Secrets the web instances share (the key that signs CSRF tokens and cookies): made by the first
-- instance that needs one, read by every other, so that a page served by one instance can be
-- posted to another behind a load balancer.
CREATE TABLE web_secrets (
    name       TEXT    NOT NULL PRIMARY KEY,
    value      TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);
