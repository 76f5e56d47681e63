-- Saved mailing texts: a title, body, kind and channels that new mailings
-- start from (the audience is chosen each time). Names are unique.
-- Migrations are append-only: never edit this file once it has landed.
-- PostgreSQL twin of migrations/sqlite/0028_mailing_templates.sql.
CREATE TABLE mailing_templates (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- domain::mailing::MailingKind.
    kind TEXT NOT NULL,
    -- domain::mailing::MailingChannel codes, in order, comma-separated.
    channels TEXT NOT NULL,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL
);
