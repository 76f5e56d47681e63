-- Saved mailing texts: a title, body, kind and channels that new mailings
-- start from (the audience is chosen each time). Names are unique.
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0028_mailing_templates.sql.
CREATE TABLE mailing_templates (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- domain::mailing::MailingKind.
    kind TEXT NOT NULL,
    -- domain::mailing::MailingChannel codes, in order, comma-separated.
    channels TEXT NOT NULL,
    created_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
);
