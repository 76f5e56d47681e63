-- The desk's name search orders and cuts its candidates inside the word
-- index: each word row carries its pass's place in the desk's order (the
-- status rank: on site 0, active 1, requested 2, finished 3) and the pass's
-- last change, kept by the store whenever the pass's status changes. A
-- common surname then costs a scan of narrow index entries, not a read and
-- sort of thousands of passes.
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0011_pass_terms_order.sql.
ALTER TABLE pass_terms ADD COLUMN status_rank INTEGER NOT NULL DEFAULT 3;
ALTER TABLE pass_terms ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';

UPDATE pass_terms SET
    status_rank = (SELECT CASE p.status WHEN 'on_site' THEN 0 WHEN 'active' THEN 1 WHEN 'requested' THEN 2 ELSE 3 END
                   FROM passes p WHERE p.id = pass_terms.pass_id),
    updated_at = (SELECT p.updated_at FROM passes p WHERE p.id = pass_terms.pass_id);

DROP INDEX pass_terms_term;
-- The pass id last: the search reads the index alone.
CREATE INDEX pass_terms_term ON pass_terms (building_id, term, status_rank, updated_at, pass_id);
