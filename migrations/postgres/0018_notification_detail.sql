-- What a notification says besides its kind and ticket number: the
-- ticket's new status for the resident who filed it
-- (`ticket.status_changed`), the guest's name for the resident who invited
-- them (`visit.arrived`, which has no ticket: its number is empty).
-- Migrations are append-only: never edit this file once it has landed.
-- PostgreSQL twin of migrations/sqlite/0018_notification_detail.sql.
ALTER TABLE notifications ADD COLUMN detail TEXT;
