-- The desk's name search orders and cuts its candidates inside the word
-- index: each word row carries its pass's place in the desk's order (the
-- status rank: on site 0, active 1, requested 2, finished 3) and the pass's
-- last change, kept by the store whenever the pass's status changes. A
-- common surname then costs a scan of narrow index entries, not a read and
-- sort of thousands of passes.
-- Migrations are append-only: never edit this file once it has landed.
-- PostgreSQL twin of migrations/sqlite/0011_pass_terms_order.sql.
ALTER TABLE pass_terms
    ADD COLUMN status_rank SMALLINT NOT NULL DEFAULT 3,
    ADD COLUMN updated_at TIMESTAMPTZ NOT NULL DEFAULT 'epoch';

UPDATE pass_terms t SET
    status_rank = CASE p.status WHEN 'on_site' THEN 0 WHEN 'active' THEN 1 WHEN 'requested' THEN 2 ELSE 3 END,
    updated_at = p.updated_at
FROM passes p WHERE p.id = t.pass_id;

DROP INDEX pass_terms_term;
-- The pass id last: the search reads the index alone.
CREATE INDEX pass_terms_term ON pass_terms (building_id, term COLLATE "C", status_rank, updated_at, pass_id);
