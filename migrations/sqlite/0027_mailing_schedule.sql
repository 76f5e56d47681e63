-- A mailing may be scheduled: it leaves at a wall-clock time read in each
-- recipient's building's zone. scheduled_for keeps that time as written
-- (YYYY-MM-DDTHH:MM, no zone); due_at is when the first of its buildings'
-- clocks shows it (the job sends the mailing then, and recipients in later
-- zones get theirs when their clocks show it); scheduled_by is whose
-- permissions send it.
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0027_mailing_schedule.sql.
ALTER TABLE mailings ADD COLUMN scheduled_for TEXT;
ALTER TABLE mailings ADD COLUMN due_at TEXT;
ALTER TABLE mailings ADD COLUMN scheduled_by BLOB REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX mailings_due ON mailings (status, due_at);
