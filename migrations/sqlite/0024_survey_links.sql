-- Personal survey links: a letter inviting a resident to a survey carries
-- a secret link that opens the form without signing in, for that person
-- only (and their units for a vote per unit). Only the secret's SHA-256
-- is stored. Single use comes from survey_participants (one answer each):
-- the link itself keeps no trace of its use, so nothing here dates or
-- points at an anonymous answer.
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0024_survey_links.sql.
CREATE TABLE survey_links (
    token_hash TEXT PRIMARY KEY,
    survey_id BLOB NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    client_id BLOB NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX survey_links_survey ON survey_links (survey_id, client_id);
