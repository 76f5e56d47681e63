-- Delivery receipts: a gateway that reports what became of a sent message
-- (SMS.ru's callback) names it by its own id, kept as the outbox row's
-- `receipt` when it is sent; the report marks it delivered, or not
-- delivered with the reason (`last_error`), once.
-- Migrations are append-only: never edit this file once it has landed.
-- PostgreSQL twin of migrations/sqlite/0032_delivery_receipts.sql.
ALTER TABLE outbox ADD COLUMN receipt TEXT;
ALTER TABLE outbox ADD COLUMN delivered_at TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN undelivered_at TIMESTAMPTZ;
CREATE INDEX outbox_receipt ON outbox (channel, receipt) WHERE receipt IS NOT NULL;
