-- Contractors and the desk's name search.
-- A team may be an outside company's; its members get a contractor pass to
-- the building of a ticket they are assigned, issued and cancelled by the
-- system as the ticket moves (found by the ticket).
-- The words of each visitor's name, so that the desk finds a name by the
-- beginning of any of its words through an index instead of reading every
-- pass of the building; filled here for the passes already issued. Words
-- are compared byte by byte (COLLATE "C") so that a range is a prefix.
-- Migrations are append-only: never edit this file once it has landed.
-- PostgreSQL twin of migrations/sqlite/0010_contractor_teams.sql.
ALTER TABLE teams ADD COLUMN company TEXT;
CREATE INDEX passes_ticket ON passes (ticket_id) WHERE ticket_id IS NOT NULL;

CREATE TABLE pass_terms (
    pass_id UUID NOT NULL REFERENCES passes (id) ON DELETE CASCADE,
    building_id UUID NOT NULL,
    term TEXT NOT NULL,
    PRIMARY KEY (pass_id, term)
);
CREATE INDEX pass_terms_term ON pass_terms (building_id, term COLLATE "C");

INSERT INTO pass_terms (pass_id, building_id, term)
SELECT DISTINCT p.id, p.building_id, trim(both '()«»"''.,;:!?' FROM w.word)
FROM passes p, regexp_split_to_table(p.visitor_search, ' ') AS w (word)
WHERE trim(both '()«»"''.,;:!?' FROM w.word) <> '';
