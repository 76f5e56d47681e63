-- Contractors and the desk's name search.
-- A team may be an outside company's; its members get a contractor pass to
-- the building of a ticket they are assigned, issued and cancelled by the
-- system as the ticket moves (found by the ticket).
-- The words of each visitor's name, so that the desk finds a name by the
-- beginning of any of its words through an index instead of reading every
-- pass of the building; filled here for the passes already issued.
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0010_contractor_teams.sql.
ALTER TABLE teams ADD COLUMN company TEXT;
CREATE INDEX passes_ticket ON passes (ticket_id) WHERE ticket_id IS NOT NULL;

CREATE TABLE pass_terms (
    pass_id BLOB NOT NULL REFERENCES passes (id) ON DELETE CASCADE,
    building_id BLOB NOT NULL,
    term TEXT NOT NULL,
    PRIMARY KEY (pass_id, term)
);
CREATE INDEX pass_terms_term ON pass_terms (building_id, term);

INSERT INTO pass_terms (pass_id, building_id, term)
WITH RECURSIVE split (pass_id, building_id, word, rest) AS (
    SELECT id, building_id, '', visitor_search || ' ' FROM passes
    UNION ALL
    SELECT pass_id, building_id, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1)
    FROM split WHERE rest <> ''
)
SELECT DISTINCT pass_id, building_id, trim(word, '()«»"''.,;:!?') FROM split
WHERE trim(word, '()«»"''.,;:!?') <> '';
