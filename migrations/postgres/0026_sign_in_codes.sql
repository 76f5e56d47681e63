-- Residents sign in with a one-time code sent by SMS. One row per phone
-- number asked for (whether or not an account has it, so that nothing
-- tells which numbers have one): the current code's SHA-256 (with the
-- number), when it expires, wrong tries of it, the sends of the last hour
-- (a number gets few texts), and the lock that many wrong tries set.
-- Migrations are append-only: never edit this file once it has landed.
-- PostgreSQL twin of migrations/sqlite/0026_sign_in_codes.sql.
CREATE TABLE sign_in_codes (
    phone TEXT PRIMARY KEY,
    code_hash TEXT,
    expires_at TIMESTAMPTZ,
    wrong BIGINT NOT NULL DEFAULT 0,
    sent_at TIMESTAMPTZ,
    window_started_at TIMESTAMPTZ NOT NULL,
    sent_in_window BIGINT NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ
);
CREATE INDEX sign_in_codes_age ON sign_in_codes (window_started_at);
