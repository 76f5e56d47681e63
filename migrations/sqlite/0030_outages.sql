-- Outages (water, heat, power cut off): the buildings and sections named,
-- the units they covered when registered, the notices sent when opened and
-- closed, and the tickets from those units linked to it.
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0030_outages.sql.
CREATE TABLE outages (
    id BLOB PRIMARY KEY,
    -- domain::outage::OutageKind code.
    kind TEXT NOT NULL,
    details TEXT NOT NULL,
    -- domain::mailing::Audience as JSON (buildings and sections).
    audience TEXT NOT NULL,
    -- Every building it touches (those named and those of the sections),
    -- as a JSON array of ids.
    building_ids TEXT NOT NULL,
    -- Wall-clock times on the buildings' clocks, 2026-12-10T09:00.
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    opened_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    opened_at TEXT NOT NULL,
    notice_id BLOB REFERENCES mailings (id),
    closed_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    closed_at TEXT,
    closing_notice_id BLOB REFERENCES mailings (id)
);
CREATE INDEX outages_open ON outages (opened_at) WHERE closed_at IS NULL;

CREATE TABLE outage_units (
    outage_id BLOB NOT NULL REFERENCES outages (id) ON DELETE CASCADE,
    unit_id BLOB NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    PRIMARY KEY (outage_id, unit_id)
);
CREATE INDEX outage_units_unit ON outage_units (unit_id);

CREATE TABLE outage_tickets (
    outage_id BLOB NOT NULL REFERENCES outages (id) ON DELETE CASCADE,
    ticket_id BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (outage_id, ticket_id)
);
CREATE INDEX outage_tickets_ticket ON outage_tickets (ticket_id);

-- The built-in administrator, property manager and dispatcher roles gain
-- `outages.manage` on upgrade, as fresh installations have it.
INSERT INTO role_permissions (role_id, permission)
SELECT id, 'outages.manage' FROM roles WHERE template IN ('administrator', 'property_manager', 'dispatcher')
  AND NOT EXISTS (SELECT 1 FROM role_permissions p WHERE p.role_id = roles.id AND p.permission = 'outages.manage');
