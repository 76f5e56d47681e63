-- Reports: how often a ticket was reopened, kept on the ticket by a
-- trigger in the same transaction as the history entry that reopens it
-- (a move to «Возобновлена», or a low rating that reopens), so the
-- workload report reads it without decoding every ticket's history; and
-- the index the backlog's "closed per day" reads by.
-- Migrations are append-only: never edit this file once it has landed.
-- PostgreSQL twin of migrations/sqlite/0019_reports.sql.
ALTER TABLE tickets ADD COLUMN reopen_count BIGINT NOT NULL DEFAULT 0;

UPDATE tickets SET reopen_count = counted.n
FROM (
    SELECT ticket_id, COUNT(*) AS n FROM ticket_history
    WHERE (kind = 'status' AND data->>'to' = 'reopened')
       OR (kind = 'rating' AND data->>'status' = 'reopened')
    GROUP BY ticket_id
) AS counted
WHERE tickets.id = counted.ticket_id;

CREATE FUNCTION ticket_history_counts_reopens() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.kind = 'status' AND NEW.data->>'to' = 'reopened')
       OR (NEW.kind = 'rating' AND NEW.data->>'status' = 'reopened') THEN
        UPDATE tickets SET reopen_count = reopen_count + 1 WHERE id = NEW.ticket_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER ticket_history_counts_reopens AFTER INSERT ON ticket_history
FOR EACH ROW EXECUTE FUNCTION ticket_history_counts_reopens();

CREATE INDEX tickets_resolved_at ON tickets (resolved_at) WHERE resolved_at IS NOT NULL;
