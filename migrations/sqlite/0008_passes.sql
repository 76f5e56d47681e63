-- Visitor passes, visits (arrival and departure marks) and the blocklist of
-- the guard desk.
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0008_passes.sql.

CREATE TABLE passes (
    id BLOB PRIMARY KEY,
    building_id BLOB NOT NULL REFERENCES buildings (id) ON DELETE CASCADE,
    unit_id BLOB REFERENCES units (id) ON DELETE SET NULL,
    -- The client the visitor comes to, and their resident account (whose
    -- notices hear of the visit).
    host_client_id BLOB REFERENCES clients (id) ON DELETE SET NULL,
    host_user_id BLOB REFERENCES users (id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('guest', 'permanent', 'vehicle', 'contractor', 'delivery')),
    status TEXT NOT NULL CHECK (status IN ('requested', 'active', 'on_site', 'closed', 'cancelled', 'expired', 'denied')),
    visitor_name TEXT NOT NULL,
    -- Folded (lower case, ё as е, single spaces) for the desk's search.
    visitor_search TEXT NOT NULL,
    visitor_phone TEXT,
    -- The last four digits of the phone, which a guard asks for.
    phone_tail TEXT,
    -- Normalised (look-alike letters in Latin), and without the region.
    plate TEXT,
    plate_base TEXT,
    vehicle TEXT NOT NULL DEFAULT '',
    parking_space TEXT NOT NULL DEFAULT '',
    company TEXT NOT NULL DEFAULT '',
    work TEXT NOT NULL DEFAULT '',
    ticket_id BLOB REFERENCES tickets (id) ON DELETE SET NULL,
    validity TEXT NOT NULL CHECK (validity IN ('once', 'period', 'permanent', 'weekly')),
    valid_from TEXT NOT NULL,
    valid_until TEXT,
    -- Weekly passes: days as bits (Monday = 1), local times "HH:MM".
    schedule_days INTEGER,
    schedule_from TEXT,
    schedule_until TEXT,
    pin TEXT NOT NULL,
    -- SHA-256 of the secret of the link the resident forwards.
    link_hash BLOB NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    issued_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX passes_pin ON passes (building_id, pin);
CREATE INDEX passes_plate ON passes (building_id, plate_base);
CREATE INDEX passes_phone_tail ON passes (building_id, phone_tail);
CREATE INDEX passes_status ON passes (building_id, status, valid_until);
CREATE INDEX passes_host ON passes (host_user_id, created_at);
CREATE UNIQUE INDEX passes_link_key ON passes (link_hash);

CREATE TABLE visits (
    id BLOB PRIMARY KEY,
    pass_id BLOB NOT NULL REFERENCES passes (id) ON DELETE CASCADE,
    building_id BLOB NOT NULL REFERENCES buildings (id) ON DELETE CASCADE,
    arrived_at TEXT NOT NULL,
    arrived_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    departed_at TEXT,
    departed_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    -- Why a blocklisted visitor was let in (audited too).
    override_reason TEXT
);
-- One visitor on one pass is on site once: two guards marking the same
-- arrival make one visit.
CREATE UNIQUE INDEX visits_on_site_key ON visits (pass_id) WHERE departed_at IS NULL;
CREATE INDEX visits_building ON visits (building_id, arrived_at);
CREATE INDEX visits_open ON visits (building_id) WHERE departed_at IS NULL;

CREATE TABLE blocklist (
    id BLOB PRIMARY KEY,
    -- NULL: every building.
    building_id BLOB REFERENCES buildings (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- JSON arrays: the name and its aliases, E.164 phones, normalised plates.
    names TEXT NOT NULL,
    phones TEXT NOT NULL,
    plates TEXT NOT NULL,
    reason TEXT NOT NULL,
    added_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX blocklist_building ON blocklist (building_id);
