-- Files attached to a mailing: every letter carries them (read from the
-- files directory when the letter is sent, not copied into the queue), and
-- the cabinet's notice links them. Attached and removed only while the
-- mailing is a draft.
-- Migrations are append-only: never edit this file once it has landed.
-- PostgreSQL twin of migrations/sqlite/0031_mailing_files.sql.
CREATE TABLE mailing_files (
    id UUID PRIMARY KEY,
    mailing_id UUID NOT NULL REFERENCES mailings (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL CHECK (size_bytes > 0),
    sha256 TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX mailing_files_mailing ON mailing_files (mailing_id, created_at);
