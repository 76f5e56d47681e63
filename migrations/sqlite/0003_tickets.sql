-- Tickets: classifier, teams and assignment rules, SLA policies and the
-- production calendar, tickets with their history, comments, watchers,
-- files and pauses, idempotency keys of intake, saved board filters.
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0003_tickets.sql (dates as YYYY-MM-DD text).

-- The classifier: places (квартира, МОП, кровля…), categories
-- (сантехника, электрика…) and problems within a category.
CREATE TABLE classifier_items (
    id BLOB PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('place', 'category', 'problem')),
    parent_id BLOB REFERENCES classifier_items (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    sort_order INTEGER NOT NULL,
    active INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX classifier_items_code_key ON classifier_items (code);

CREATE TABLE teams (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX teams_name_key ON teams (name);

CREATE TABLE team_members (
    team_id BLOB NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);

-- Who gets new tickets: by building and/or category, a technician or a
-- team (round robin: `rotation` counts the tickets handed out).
CREATE TABLE assignment_rules (
    id BLOB PRIMARY KEY,
    building_id BLOB REFERENCES buildings (id) ON DELETE CASCADE,
    category_id BLOB REFERENCES classifier_items (id) ON DELETE CASCADE,
    user_id BLOB REFERENCES users (id) ON DELETE CASCADE,
    team_id BLOB REFERENCES teams (id) ON DELETE CASCADE,
    rotation INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    CHECK ((user_id IS NULL) <> (team_id IS NULL))
);

-- SLA targets by building × category × priority (NULL: any).
CREATE TABLE sla_policies (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    building_id BLOB REFERENCES buildings (id) ON DELETE CASCADE,
    category_id BLOB REFERENCES classifier_items (id) ON DELETE CASCADE,
    priority TEXT,
    response_minutes INTEGER,
    resolution_minutes INTEGER,
    around_the_clock INTEGER NOT NULL,
    -- Working hours as HH:MM, in the building's time zone.
    work_start TEXT NOT NULL,
    work_end TEXT NOT NULL,
    warn_percent INTEGER NOT NULL,
    template TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The production calendar: dates that differ from an ordinary week.
CREATE TABLE calendar_days (
    day TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday', 'short')),
    note TEXT NOT NULL,
    PRIMARY KEY (day, kind)
);

CREATE TABLE ticket_counters (
    year INTEGER PRIMARY KEY,
    last_number INTEGER NOT NULL
);

CREATE TABLE tickets (
    id BLOB PRIMARY KEY,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    source TEXT NOT NULL,
    building_id BLOB NOT NULL REFERENCES buildings (id),
    -- Units and clients arrive with the buildings work; their foreign keys
    -- are added by that migration.
    unit_id BLOB,
    client_id BLOB,
    contact_name TEXT,
    contact_phone TEXT,
    -- Where exactly, in words: "кв. 45", "подъезд 2".
    location TEXT,
    place_id BLOB REFERENCES classifier_items (id),
    category_id BLOB REFERENCES classifier_items (id),
    problem_id BLOB REFERENCES classifier_items (id),
    priority TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    hold_reason TEXT,
    end_reason TEXT,
    assignee_id BLOB REFERENCES users (id),
    team_id BLOB REFERENCES teams (id),
    created_by BLOB REFERENCES users (id),
    -- Bumped by every change; a writer holding an older one gets a conflict.
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    responded_at TEXT,
    resolved_at TEXT,
    closed_at TEXT,
    sla_policy_id BLOB REFERENCES sla_policies (id) ON DELETE SET NULL,
    sla_state TEXT NOT NULL,
    response_due TEXT,
    resolution_due TEXT,
    sla_next_change TEXT,
    sla_used_minutes INTEGER NOT NULL,
    rating INTEGER,
    rating_comment TEXT,
    rated_at TEXT,
    flagged INTEGER NOT NULL,
    -- Folded number, description and contact: what the board's text filter
    -- looks in.
    search_text TEXT NOT NULL,
    UNIQUE (year, seq)
);
CREATE INDEX tickets_board ON tickets (building_id, status, resolution_due);
CREATE INDEX tickets_status ON tickets (status, resolution_due);
CREATE INDEX tickets_assignee ON tickets (assignee_id, status);
CREATE INDEX tickets_created_by ON tickets (created_by, created_at);
CREATE INDEX tickets_created_at ON tickets (created_at);
CREATE INDEX tickets_sla_next ON tickets (sla_next_change) WHERE sla_next_change IS NOT NULL;

-- Intervals of waiting for the client (the SLA clock stands).
CREATE TABLE ticket_pauses (
    ticket_id BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    PRIMARY KEY (ticket_id, started_at)
);

CREATE TABLE ticket_history (
    id BLOB PRIMARY KEY,
    ticket_id BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    actor_id BLOB REFERENCES users (id) ON DELETE SET NULL,
    actor_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    -- Shown to the resident too.
    public INTEGER NOT NULL
);
CREATE INDEX ticket_history_ticket ON ticket_history (ticket_id, id);

CREATE TABLE ticket_comments (
    id BLOB PRIMARY KEY,
    ticket_id BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id BLOB REFERENCES users (id) ON DELETE SET NULL,
    author_name TEXT NOT NULL,
    body TEXT NOT NULL,
    public INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ticket_comments_ticket ON ticket_comments (ticket_id, id);

CREATE TABLE ticket_watchers (
    ticket_id BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (ticket_id, user_id)
);

-- Files are stored on disk under <data_dir>/files/<id>; this is their card.
CREATE TABLE attachments (
    id BLOB PRIMARY KEY,
    ticket_id BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    has_thumbnail INTEGER NOT NULL,
    uploaded_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX attachments_ticket ON attachments (ticket_id);

-- Intake idempotency (Stripe's semantics): the first answer to a key is
-- kept and replayed; kept at least 24 hours.
CREATE TABLE idempotency_keys (
    user_id BLOB NOT NULL,
    key TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    -- 0 while the first request is being processed.
    status INTEGER NOT NULL,
    response TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE saved_filters (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX saved_filters_name ON saved_filters (user_id, name);
