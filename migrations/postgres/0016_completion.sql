-- What a category asks before its tickets may be done: a checklist ticked
-- off on site and the resident's signature (domain::completion), and the
-- items ticked on each ticket.
-- Migrations are append-only: never edit this file once it has landed.
-- PostgreSQL twin of migrations/sqlite/0016_completion.sql.
CREATE TABLE category_requirements (
    category_id UUID PRIMARY KEY REFERENCES classifier_items (id) ON DELETE CASCADE,
    -- The checklist's items, in order (a JSON array of strings).
    items JSONB NOT NULL,
    signature_required BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ticket_checks (
    ticket_id UUID NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    -- The item's text, as the checklist had it when ticked.
    item TEXT NOT NULL,
    checked_by UUID REFERENCES users (id) ON DELETE SET NULL,
    checked_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (ticket_id, item)
);
