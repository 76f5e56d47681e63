-- Saved audiences (segments): a name for a choice of buildings, sections,
-- units, relations, unit kinds and floors that mailings go to again; the
-- people are found anew at each sending. Names are unique.
-- Migrations are append-only: never edit this file once it has landed.
-- PostgreSQL twin of migrations/sqlite/0029_audience_segments.sql.
CREATE TABLE audience_segments (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- domain::mailing::Audience as JSON.
    audience JSONB NOT NULL,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL
);
