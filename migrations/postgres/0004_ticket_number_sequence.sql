-- Ticket numbers on PostgreSQL come from a sequence instead of a locked
-- counter row: concurrent intakes no longer queue on the year's row until
-- commit. A year's numbers are `nextval - base`, where `base` is taken by the
-- year's first ticket. A transaction that fails after numbering leaves a gap
-- in its year, as any sequence does; numbers stay unique per year.
CREATE SEQUENCE ticket_number_seq AS BIGINT;

CREATE TABLE ticket_number_bases (
    year BIGINT PRIMARY KEY,
    base BIGINT NOT NULL
);

-- Carry the existing counters over: the next ticket of each year gets
-- last_number + 1.
SELECT setval('ticket_number_seq', COALESCE((SELECT MAX(last_number) FROM ticket_counters), 0) + 1, false);
INSERT INTO ticket_number_bases (year, base)
SELECT year, (SELECT COALESCE(MAX(last_number), 0) FROM ticket_counters) - last_number FROM ticket_counters;

DROP TABLE ticket_counters;
