-- A survey may be published ahead of its opening time: residents see it
-- and are told («Новый опрос») when it opens. announced_at says the
-- telling was done (once, also with several nodes: the job claims it by
-- setting it). Surveys published before this migration were told then.
-- Migrations are append-only: never edit this file once it has landed.
-- PostgreSQL twin of migrations/sqlite/0025_survey_opening.sql.
ALTER TABLE surveys ADD COLUMN opens_at TIMESTAMPTZ;
ALTER TABLE surveys ADD COLUMN announced_at TIMESTAMPTZ;
UPDATE surveys SET announced_at = published_at WHERE status <> 'draft';
CREATE INDEX surveys_unannounced ON surveys (status, announced_at);
