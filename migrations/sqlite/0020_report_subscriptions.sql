-- Scheduled reports: a person asks for a report with its filters weekly or
-- monthly; a job sends it by e-mail through the outbox when `next_run_at`
-- comes, and moves `next_run_at` on in the same transaction (so a letter
-- is queued once per period, also with several nodes).
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0020_report_subscriptions.sql.
CREATE TABLE report_subscriptions (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- domain::report::ReportName's code.
    report TEXT NOT NULL,
    -- The report page's query string without the period.
    filters TEXT NOT NULL,
    -- domain::report::Cadence's code: weekly | monthly.
    cadence TEXT NOT NULL,
    next_run_at TEXT NOT NULL,
    -- The last letter queued, and the period it covered.
    last_sent_at TEXT,
    last_period TEXT,
    -- Why the last due run queued nothing (no e-mail, no access).
    last_error TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX report_subscriptions_due ON report_subscriptions (next_run_at);
CREATE INDEX report_subscriptions_user ON report_subscriptions (user_id);
