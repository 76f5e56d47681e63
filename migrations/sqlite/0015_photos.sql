-- Photos from the staff app. A photo is announced by its offline change
-- (`ticket.photo` in the sync, applied once, in order with the rest) and
-- its bytes follow in pieces that may stop and resume: the announcement
-- waits in photo_uploads until the last piece arrives, and then becomes
-- an attachment with the same id and its stage: before or after the work,
-- or the resident's signature (with the signer's name as its caption).
-- Ordinary attachments have no stage.
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0015_photos.sql.
ALTER TABLE attachments ADD COLUMN photo_stage TEXT CHECK (photo_stage IN ('before', 'after', 'signature'));
ALTER TABLE attachments ADD COLUMN caption TEXT;

CREATE TABLE photo_uploads (
    -- The id the phone made for the photo; the attachment's id once whole.
    id BLOB PRIMARY KEY,
    ticket_id BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    -- Only the person who announced it may send its bytes.
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stage TEXT NOT NULL CHECK (stage IN ('before', 'after', 'signature')),
    caption TEXT,
    -- The size the phone announced: the upload is whole at this many bytes.
    size_bytes INTEGER NOT NULL CHECK (size_bytes > 0),
    created_at TEXT NOT NULL
);
CREATE INDEX photo_uploads_created ON photo_uploads (created_at);
