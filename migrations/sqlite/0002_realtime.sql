-- Realtime spine: the outbox for everything that leaves the system, its
-- attempt log, and webhook subscriptions (the first outbox channel).
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0002_realtime.sql.

CREATE TABLE outbox (
    id BLOB PRIMARY KEY,
    -- Which sender handles it: 'webhook', later 'webpush', 'apns', 'fcm', 'email', 'sms'.
    channel TEXT NOT NULL,
    -- Names the message for its receiver; the same key is never enqueued
    -- twice on a channel, and receivers dedupe on it.
    dedup_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- Not before this time (retries back off).
    available_at TEXT NOT NULL,
    -- A dispatcher holds the message until then; afterwards another may
    -- take it (the holder died).
    claimed_until TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at TEXT,
    -- Given up after too many attempts.
    failed_at TEXT
);
CREATE UNIQUE INDEX outbox_dedup_key ON outbox (channel, dedup_key);
CREATE INDEX outbox_due ON outbox (available_at) WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE TABLE outbox_attempts (
    outbox_id BLOB NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    -- NULL: the attempt never reported back (the dispatcher stopped mid-send).
    finished_at TEXT,
    error TEXT,
    PRIMARY KEY (outbox_id, attempt)
);

CREATE TABLE webhooks (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    -- The HMAC-SHA256 key of the X-Domovoy-Signature header.
    secret TEXT NOT NULL,
    -- Event kinds to deliver, as a JSON list of codes; ["*"] for all.
    event_kinds TEXT NOT NULL,
    active INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
