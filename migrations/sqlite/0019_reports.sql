-- Reports: how often a ticket was reopened, kept on the ticket by a
-- trigger in the same transaction as the history entry that reopens it
-- (a move to «Возобновлена», or a low rating that reopens), so the
-- workload report reads it without decoding every ticket's history; and
-- the index the backlog's "closed per day" reads by.
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0019_reports.sql.
ALTER TABLE tickets ADD COLUMN reopen_count INTEGER NOT NULL DEFAULT 0;

UPDATE tickets SET reopen_count = (
    SELECT COUNT(*) FROM ticket_history h
    WHERE h.ticket_id = tickets.id
      AND ((h.kind = 'status' AND json_extract(h.data, '$.to') = 'reopened')
        OR (h.kind = 'rating' AND json_extract(h.data, '$.status') = 'reopened'))
)
WHERE id IN (SELECT ticket_id FROM ticket_history WHERE kind IN ('status', 'rating'));

CREATE TRIGGER ticket_history_counts_reopens AFTER INSERT ON ticket_history
WHEN (NEW.kind = 'status' AND json_extract(NEW.data, '$.to') = 'reopened')
  OR (NEW.kind = 'rating' AND json_extract(NEW.data, '$.status') = 'reopened')
BEGIN
    UPDATE tickets SET reopen_count = reopen_count + 1 WHERE id = NEW.ticket_id;
END;

CREATE INDEX tickets_resolved_at ON tickets (resolved_at) WHERE resolved_at IS NOT NULL;
