-- Contractors: a team may be an outside company's; its members get a
-- contractor pass to the building of a ticket they are assigned, issued and
-- cancelled by the system as the ticket moves.
-- Migrations are append-only: never edit this file once it has landed.
-- PostgreSQL twin of migrations/sqlite/0010_contractor_teams.sql.
ALTER TABLE teams ADD COLUMN company TEXT;
CREATE INDEX passes_ticket ON passes (ticket_id) WHERE ticket_id IS NOT NULL;
