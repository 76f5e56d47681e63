-- Satisfaction requests: when a resident's request is done, they are asked
-- once to rate it («Заявка выполнена — оцените работу», in the cabinet's
-- list and on their phones), at most once a week per person (a busy
-- resident is not asked about every tap fixed). One row per ticket asked;
-- the primary key is the "once per ticket" rule, also when a reopened
-- ticket is done again.
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0023_rating_requests.sql.
CREATE TABLE rating_requests (
    ticket_id BLOB PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sent_at TEXT NOT NULL
);
CREATE INDEX rating_requests_user ON rating_requests (user_id, sent_at);
