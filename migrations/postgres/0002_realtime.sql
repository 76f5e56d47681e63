-- Realtime spine: the outbox for everything that leaves the system, its
-- attempt log, and webhook subscriptions (the first outbox channel).
-- Migrations are append-only: never edit this file once it has landed.

CREATE TABLE outbox (
    id UUID PRIMARY KEY,
    -- Which sender handles it: 'webhook', later 'webpush', 'apns', 'fcm', 'email', 'sms'.
    channel TEXT NOT NULL,
    -- Names the message for its receiver; the same key is never enqueued
    -- twice on a channel, and receivers dedupe on it.
    dedup_key TEXT NOT NULL,
    payload JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    -- Not before this time (retries back off).
    available_at TIMESTAMPTZ NOT NULL,
    -- A dispatcher holds the message until then; afterwards another may
    -- take it (the holder died).
    claimed_until TIMESTAMPTZ,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at TIMESTAMPTZ,
    -- Given up after too many attempts.
    failed_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX outbox_dedup_key ON outbox (channel, dedup_key);
CREATE INDEX outbox_due ON outbox (available_at) WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE TABLE outbox_attempts (
    outbox_id UUID NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    attempt BIGINT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    -- NULL: the attempt never reported back (the dispatcher stopped mid-send).
    finished_at TIMESTAMPTZ,
    error TEXT,
    PRIMARY KEY (outbox_id, attempt)
);

CREATE TABLE webhooks (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    -- The HMAC-SHA256 key of the X-Domovoy-Signature header.
    secret TEXT NOT NULL,
    -- Event kinds to deliver, as a JSON list of codes; ["*"] for all.
    event_kinds JSONB NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
