-- What a category asks before its tickets may be done: a checklist ticked
-- off on site and the resident's signature (domain::completion), and the
-- items ticked on each ticket.
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0016_completion.sql.
CREATE TABLE category_requirements (
    category_id BLOB PRIMARY KEY REFERENCES classifier_items (id) ON DELETE CASCADE,
    -- The checklist's items, in order (a JSON array of strings).
    items TEXT NOT NULL,
    signature_required INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE ticket_checks (
    ticket_id BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    -- The item's text, as the checklist had it when ticked.
    item TEXT NOT NULL,
    checked_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    checked_at TEXT NOT NULL,
    PRIMARY KEY (ticket_id, item)
);
