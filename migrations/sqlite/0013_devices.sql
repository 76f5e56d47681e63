-- The staff app's devices: what a person's phone or browser registered
-- (for push, or only to sync), how far its offline changes were applied,
-- and the answer given to each change, so that a change sent again after a
-- lost response is answered as the first time and applied once.
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0013_devices.sql.

CREATE TABLE devices (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The sign-in the device registered with; revoking it ends the device.
    token_id BLOB REFERENCES auth_tokens (id) ON DELETE CASCADE,
    platform TEXT NOT NULL CHECK (platform IN ('webpush', 'apns', 'fcm', 'none')),
    -- Web Push: the subscription's endpoint and keys; APNs / FCM: the token.
    push_address TEXT,
    push_p256dh TEXT,
    push_auth TEXT,
    app_version TEXT,
    -- The device's changes are numbered 1, 2, 3…: the last one applied.
    applied_seq INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX devices_user ON devices (user_id);
CREATE UNIQUE INDEX devices_push_address ON devices (platform, push_address) WHERE push_address IS NOT NULL;

CREATE TABLE device_mutations (
    device_id BLOB NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    -- The id the device made for the change.
    mutation_id BLOB NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('applied', 'conflict', 'rejected')),
    -- The answer as it was given (JSON).
    answer TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)
);
