-- The staff app's «в пути»: when the assignee set off to the ticket. NULL
-- when nobody is on the way (the next move or a new assignee clears it).
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0014_ticket_en_route.sql.
ALTER TABLE tickets ADD COLUMN en_route_at TEXT;
