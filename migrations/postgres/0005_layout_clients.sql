-- Building layouts (sections -> floors -> units) and clients with their
-- contacts, links to units and consents.
-- Migrations are append-only: never edit this file once it has landed.
-- PostgreSQL twin of migrations/sqlite/0005_layout_clients.sql.

-- A section is a подъезд, a корпус or a parking level group, shown side by
-- side on the chessboard in `position` order.
CREATE TABLE sections (
    id UUID PRIMARY KEY,
    building_id UUID NOT NULL REFERENCES buildings (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('entrance', 'wing', 'parking')),
    position BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX sections_name_key ON sections (building_id, name);

-- Floors of a section; negative numbers are underground. Order is by number.
CREATE TABLE floors (
    id UUID PRIMARY KEY,
    section_id UUID NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    name TEXT
);
CREATE UNIQUE INDEX floors_number_key ON floors (section_id, number);

CREATE TABLE units (
    id UUID PRIMARY KEY,
    building_id UUID NOT NULL REFERENCES buildings (id) ON DELETE CASCADE,
    section_id UUID NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
    floor_id UUID NOT NULL REFERENCES floors (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('apartment', 'office', 'retail', 'storage', 'parking')),
    area DOUBLE PRECISION,
    -- Order on the floor, left to right.
    position BIGINT NOT NULL,
    -- The unit's key in the billing system (лицевой счёт or its own id).
    external_id TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX units_label_key ON units (section_id, kind, label);
CREATE UNIQUE INDEX units_external_key ON units (building_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX units_label ON units (label);
CREATE INDEX units_floor ON units (floor_id, position);

CREATE TABLE clients (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'company')),
    -- A person's parts of the name; a company has only `name`.
    last_name TEXT,
    first_name TEXT,
    middle_name TEXT,
    -- The name as shown: "Иванова Анна Петровна" or "ООО «Ромашка»".
    name TEXT NOT NULL,
    inn TEXT,
    notes TEXT NOT NULL,
    tags JSONB NOT NULL,
    user_id UUID REFERENCES users (id) ON DELETE SET NULL,
    external_id TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX clients_user_key ON clients (user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX clients_external_key ON clients (external_id) WHERE external_id IS NOT NULL;

-- Folded words of a client's name (lower case, ё -> е) for search by prefix;
-- `lead` marks the name's first word (a surname, a company's name).
CREATE TABLE client_terms (
    lead BIGINT NOT NULL,
    client_id UUID NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    term TEXT NOT NULL,
    PRIMARY KEY (term, client_id)
);
CREATE INDEX client_terms_client ON client_terms (client_id);
-- Surnames are looked up first.
CREATE INDEX client_terms_lead ON client_terms (lead, term);
-- Prefix search compares bytewise ("C"), as SQLite does.
CREATE INDEX client_terms_prefix ON client_terms (term COLLATE "C");

CREATE TABLE client_phones (
    client_id UUID NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    e164 TEXT NOT NULL,
    extension TEXT,
    -- As typed or imported.
    raw TEXT NOT NULL,
    -- The digits of e164 reversed: the tail of a number ("67-89") is a prefix.
    reversed TEXT NOT NULL,
    PRIMARY KEY (client_id, position)
);
CREATE INDEX client_phones_e164 ON client_phones (e164);
CREATE INDEX client_phones_e164_prefix ON client_phones (e164 COLLATE "C");
CREATE INDEX client_phones_reversed ON client_phones (reversed COLLATE "C");

CREATE TABLE client_emails (
    client_id UUID NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    email TEXT NOT NULL,
    PRIMARY KEY (client_id, position)
);
CREATE INDEX client_emails_email ON client_emails (email);

-- A client's relation to a unit: owner (with a share like 1/2), tenant
-- (with a period) or occupant.
CREATE TABLE client_units (
    id UUID PRIMARY KEY,
    client_id UUID NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    unit_id UUID NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'tenant', 'occupant')),
    share_num BIGINT,
    share_den BIGINT,
    valid_from DATE,
    valid_to DATE,
    -- Лицевой счёт in the billing system.
    account TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX client_units_key ON client_units (client_id, unit_id, role);
CREATE INDEX client_units_unit ON client_units (unit_id);

CREATE TABLE client_consents (
    client_id UUID NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    channel TEXT NOT NULL CHECK (channel IN ('push', 'email', 'sms')),
    given_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (client_id, channel)
);

-- Tickets now point at real units and clients. Ids stored before units
-- existed point nowhere and are cleared first.
UPDATE tickets SET unit_id = NULL WHERE unit_id IS NOT NULL AND unit_id NOT IN (SELECT id FROM units);
UPDATE tickets SET client_id = NULL WHERE client_id IS NOT NULL AND client_id NOT IN (SELECT id FROM clients);
ALTER TABLE tickets ADD CONSTRAINT tickets_unit_fk FOREIGN KEY (unit_id) REFERENCES units (id) ON DELETE SET NULL;
ALTER TABLE tickets ADD CONSTRAINT tickets_client_fk FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE SET NULL;
CREATE INDEX tickets_unit ON tickets (unit_id, status) WHERE unit_id IS NOT NULL;
CREATE INDEX tickets_client ON tickets (client_id, created_at) WHERE client_id IS NOT NULL;

-- Residents read their own client card (with their own phones): the
-- built-in resident role gains it on upgrade, as fresh installations have it.
INSERT INTO role_permissions (role_id, permission)
SELECT id, 'clients.read' FROM roles WHERE template = 'resident'
  AND NOT EXISTS (SELECT 1 FROM role_permissions p WHERE p.role_id = roles.id AND p.permission = 'clients.read');
INSERT INTO role_permissions (role_id, permission)
SELECT id, 'clients.contacts.read' FROM roles WHERE template = 'resident'
  AND NOT EXISTS (SELECT 1 FROM role_permissions p WHERE p.role_id = roles.id AND p.permission = 'clients.contacts.read');
