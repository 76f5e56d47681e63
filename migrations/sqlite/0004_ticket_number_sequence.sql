-- SQLite twin of migrations/postgres/0004_ticket_number_sequence.sql.
-- SQLite has one writer, so the year's counter row never queues concurrent
-- intakes and ticket numbers stay as 0003 made them. This file only keeps
-- the two migration lists the same, as the design asks.
SELECT 1;
