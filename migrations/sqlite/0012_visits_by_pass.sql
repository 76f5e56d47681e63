-- A resident's page lists the visits of the guests they host (the passes
-- they host, then each pass's visits of the last day): visits are found by
-- their pass, newest first, without reading the building's whole log.
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0012_visits_by_pass.sql.
CREATE INDEX visits_pass ON visits (pass_id, arrived_at);
