-- What was pushed to a person, kept as their in-app notification list
-- (the staff app's «Уведомления»): written in the transaction of the
-- event that caused it, whether or not a phone receives pushes, and read
-- or not. Housekeeping keeps 90 days.
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0017_notifications.sql.
CREATE TABLE notifications (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- domain::device::PushKind's code.
    kind TEXT NOT NULL,
    ticket_id BLOB REFERENCES tickets (id) ON DELETE CASCADE,
    -- The ticket's number as it was said.
    number TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_created ON notifications (created_at);
