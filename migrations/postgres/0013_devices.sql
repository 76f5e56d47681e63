-- The staff app's devices: what a person's phone or browser registered
-- (for push, or only to sync), how far its offline changes were applied,
-- and the answer given to each change, so that a change sent again after a
-- lost response is answered as the first time and applied once.
-- Migrations are append-only: never edit this file once it has landed.
-- PostgreSQL twin of migrations/sqlite/0013_devices.sql.

CREATE TABLE devices (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The sign-in the device registered with; revoking it ends the device.
    token_id UUID REFERENCES auth_tokens (id) ON DELETE CASCADE,
    platform TEXT NOT NULL CHECK (platform IN ('webpush', 'apns', 'fcm', 'none')),
    -- Web Push: the subscription's endpoint and keys; APNs / FCM: the token.
    push_address TEXT,
    push_p256dh TEXT,
    push_auth TEXT,
    app_version TEXT,
    -- The device's changes are numbered 1, 2, 3…: the last one applied.
    applied_seq BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX devices_user ON devices (user_id);
CREATE UNIQUE INDEX devices_push_address ON devices (platform, push_address) WHERE push_address IS NOT NULL;

CREATE TABLE device_mutations (
    device_id UUID NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    -- The id the device made for the change.
    mutation_id UUID NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('applied', 'conflict', 'rejected')),
    -- The answer as it was given (JSON).
    answer JSONB NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (device_id, seq)
);
