-- Building layouts (sections -> floors -> units) and clients with their
-- contacts, links to units and consents.
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0005_layout_clients.sql.

-- A section is a подъезд, a корпус or a parking level group, shown side by
-- side on the chessboard in `position` order.
CREATE TABLE sections (
    id BLOB PRIMARY KEY,
    building_id BLOB NOT NULL REFERENCES buildings (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('entrance', 'wing', 'parking')),
    position INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX sections_name_key ON sections (building_id, name);

-- Floors of a section; negative numbers are underground. Order is by number.
CREATE TABLE floors (
    id BLOB PRIMARY KEY,
    section_id BLOB NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    name TEXT
);
CREATE UNIQUE INDEX floors_number_key ON floors (section_id, number);

CREATE TABLE units (
    id BLOB PRIMARY KEY,
    building_id BLOB NOT NULL REFERENCES buildings (id) ON DELETE CASCADE,
    section_id BLOB NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
    floor_id BLOB NOT NULL REFERENCES floors (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('apartment', 'office', 'retail', 'storage', 'parking')),
    area REAL,
    -- Order on the floor, left to right.
    position INTEGER NOT NULL,
    -- The unit's key in the billing system (лицевой счёт or its own id).
    external_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX units_label_key ON units (section_id, kind, label);
CREATE UNIQUE INDEX units_external_key ON units (building_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX units_label ON units (label);
CREATE INDEX units_floor ON units (floor_id, position);

CREATE TABLE clients (
    id BLOB PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'company')),
    -- A person's parts of the name; a company has only `name`.
    last_name TEXT,
    first_name TEXT,
    middle_name TEXT,
    -- The name as shown: "Иванова Анна Петровна" or "ООО «Ромашка»".
    name TEXT NOT NULL,
    inn TEXT,
    notes TEXT NOT NULL,
    tags TEXT NOT NULL,
    user_id BLOB REFERENCES users (id) ON DELETE SET NULL,
    external_id TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX clients_user_key ON clients (user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX clients_external_key ON clients (external_id) WHERE external_id IS NOT NULL;

-- Folded words of a client's name (lower case, ё -> е) for search by prefix;
-- `lead` marks the name's first word (a surname, a company's name).
CREATE TABLE client_terms (
    lead INTEGER NOT NULL,
    client_id BLOB NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    term TEXT NOT NULL,
    PRIMARY KEY (term, client_id)
);
CREATE INDEX client_terms_client ON client_terms (client_id);
-- Surnames are looked up first.
CREATE INDEX client_terms_lead ON client_terms (lead, term);

CREATE TABLE client_phones (
    client_id BLOB NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    e164 TEXT NOT NULL,
    extension TEXT,
    -- As typed or imported.
    raw TEXT NOT NULL,
    -- The digits of e164 reversed: the tail of a number ("67-89") is a prefix.
    reversed TEXT NOT NULL,
    PRIMARY KEY (client_id, position)
);
CREATE INDEX client_phones_e164 ON client_phones (e164);
CREATE INDEX client_phones_reversed ON client_phones (reversed);

CREATE TABLE client_emails (
    client_id BLOB NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    email TEXT NOT NULL,
    PRIMARY KEY (client_id, position)
);
CREATE INDEX client_emails_email ON client_emails (email);

-- A client's relation to a unit: owner (with a share like 1/2), tenant
-- (with a period) or occupant.
CREATE TABLE client_units (
    id BLOB PRIMARY KEY,
    client_id BLOB NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    unit_id BLOB NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'tenant', 'occupant')),
    share_num INTEGER,
    share_den INTEGER,
    valid_from TEXT,
    valid_to TEXT,
    -- Лицевой счёт in the billing system.
    account TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX client_units_key ON client_units (client_id, unit_id, role);
CREATE INDEX client_units_unit ON client_units (unit_id);

CREATE TABLE client_consents (
    client_id BLOB NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    channel TEXT NOT NULL CHECK (channel IN ('push', 'email', 'sms')),
    given_at TEXT NOT NULL,
    PRIMARY KEY (client_id, channel)
);

-- Tickets now point at real units and clients. SQLite cannot add a foreign
-- key to an existing table, so triggers hold the same rule; ids that point
-- nowhere (stored before units existed) are cleared first.
UPDATE tickets SET unit_id = NULL WHERE unit_id IS NOT NULL AND unit_id NOT IN (SELECT id FROM units);
UPDATE tickets SET client_id = NULL WHERE client_id IS NOT NULL AND client_id NOT IN (SELECT id FROM clients);
CREATE INDEX tickets_unit ON tickets (unit_id, status) WHERE unit_id IS NOT NULL;
CREATE INDEX tickets_client ON tickets (client_id, created_at) WHERE client_id IS NOT NULL;

CREATE TRIGGER tickets_unit_fk_insert BEFORE INSERT ON tickets
WHEN NEW.unit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM units WHERE id = NEW.unit_id)
BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: tickets.unit_id'); END;
CREATE TRIGGER tickets_unit_fk_update BEFORE UPDATE OF unit_id ON tickets
WHEN NEW.unit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM units WHERE id = NEW.unit_id)
BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: tickets.unit_id'); END;
CREATE TRIGGER tickets_client_fk_insert BEFORE INSERT ON tickets
WHEN NEW.client_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM clients WHERE id = NEW.client_id)
BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: tickets.client_id'); END;
CREATE TRIGGER tickets_client_fk_update BEFORE UPDATE OF client_id ON tickets
WHEN NEW.client_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM clients WHERE id = NEW.client_id)
BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: tickets.client_id'); END;
-- Removing a unit or client that tickets name clears the reference, as
-- ON DELETE SET NULL does on PostgreSQL.
CREATE TRIGGER units_delete_tickets AFTER DELETE ON units
BEGIN UPDATE tickets SET unit_id = NULL WHERE unit_id = OLD.id; END;
CREATE TRIGGER clients_delete_tickets AFTER DELETE ON clients
BEGIN UPDATE tickets SET client_id = NULL WHERE client_id = OLD.id; END;

-- Residents read their own client card (with their own phones): the
-- built-in resident role gains it on upgrade, as fresh installations have it.
INSERT INTO role_permissions (role_id, permission)
SELECT id, 'clients.read' FROM roles WHERE template = 'resident'
  AND NOT EXISTS (SELECT 1 FROM role_permissions p WHERE p.role_id = roles.id AND p.permission = 'clients.read');
INSERT INTO role_permissions (role_id, permission)
SELECT id, 'clients.contacts.read' FROM roles WHERE template = 'resident'
  AND NOT EXISTS (SELECT 1 FROM role_permissions p WHERE p.role_id = roles.id AND p.permission = 'clients.contacts.read');
