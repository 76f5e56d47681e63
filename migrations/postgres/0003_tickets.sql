-- Tickets: classifier, teams and assignment rules, SLA policies and the
-- production calendar, tickets with their history, comments, watchers,
-- files and pauses, idempotency keys of intake, saved board filters.
-- Migrations are append-only: never edit this file once it has landed.

-- The classifier: places (квартира, МОП, кровля…), categories
-- (сантехника, электрика…) and problems within a category.
CREATE TABLE classifier_items (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('place', 'category', 'problem')),
    parent_id UUID REFERENCES classifier_items (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    sort_order BIGINT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX classifier_items_code_key ON classifier_items (code);

CREATE TABLE teams (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX teams_name_key ON teams (name);

CREATE TABLE team_members (
    team_id UUID NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);

-- Who gets new tickets: by building and/or category, a technician or a
-- team (round robin: `rotation` counts the tickets handed out).
CREATE TABLE assignment_rules (
    id UUID PRIMARY KEY,
    building_id UUID REFERENCES buildings (id) ON DELETE CASCADE,
    category_id UUID REFERENCES classifier_items (id) ON DELETE CASCADE,
    user_id UUID REFERENCES users (id) ON DELETE CASCADE,
    team_id UUID REFERENCES teams (id) ON DELETE CASCADE,
    rotation BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CHECK ((user_id IS NULL) <> (team_id IS NULL))
);

-- SLA targets by building × category × priority (NULL: any).
CREATE TABLE sla_policies (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    building_id UUID REFERENCES buildings (id) ON DELETE CASCADE,
    category_id UUID REFERENCES classifier_items (id) ON DELETE CASCADE,
    priority TEXT,
    response_minutes BIGINT,
    resolution_minutes BIGINT,
    around_the_clock BOOLEAN NOT NULL,
    -- Working hours as HH:MM, in the building's time zone.
    work_start TEXT NOT NULL,
    work_end TEXT NOT NULL,
    warn_percent BIGINT NOT NULL,
    template TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- The production calendar: dates that differ from an ordinary week.
CREATE TABLE calendar_days (
    day DATE NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday', 'short')),
    note TEXT NOT NULL,
    PRIMARY KEY (day, kind)
);

CREATE TABLE ticket_counters (
    year BIGINT PRIMARY KEY,
    last_number BIGINT NOT NULL
);

CREATE TABLE tickets (
    id UUID PRIMARY KEY,
    year BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    source TEXT NOT NULL,
    building_id UUID NOT NULL REFERENCES buildings (id),
    -- Units and clients arrive with the buildings work; their foreign keys
    -- are added by that migration.
    unit_id UUID,
    client_id UUID,
    contact_name TEXT,
    contact_phone TEXT,
    -- Where exactly, in words: "кв. 45", "подъезд 2".
    location TEXT,
    place_id UUID REFERENCES classifier_items (id),
    category_id UUID REFERENCES classifier_items (id),
    problem_id UUID REFERENCES classifier_items (id),
    priority TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    hold_reason TEXT,
    end_reason TEXT,
    assignee_id UUID REFERENCES users (id),
    team_id UUID REFERENCES teams (id),
    created_by UUID REFERENCES users (id),
    -- Bumped by every change; a writer holding an older one gets a conflict.
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    responded_at TIMESTAMPTZ,
    resolved_at TIMESTAMPTZ,
    closed_at TIMESTAMPTZ,
    sla_policy_id UUID REFERENCES sla_policies (id) ON DELETE SET NULL,
    sla_state TEXT NOT NULL,
    response_due TIMESTAMPTZ,
    resolution_due TIMESTAMPTZ,
    sla_next_change TIMESTAMPTZ,
    sla_used_minutes BIGINT NOT NULL,
    rating BIGINT,
    rating_comment TEXT,
    rated_at TIMESTAMPTZ,
    flagged BOOLEAN NOT NULL,
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
    ticket_id UUID NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    started_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ,
    PRIMARY KEY (ticket_id, started_at)
);

CREATE TABLE ticket_history (
    id UUID PRIMARY KEY,
    ticket_id UUID NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    at TIMESTAMPTZ NOT NULL,
    actor_id UUID REFERENCES users (id) ON DELETE SET NULL,
    actor_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    data JSONB NOT NULL,
    -- Shown to the resident too.
    public BOOLEAN NOT NULL
);
CREATE INDEX ticket_history_ticket ON ticket_history (ticket_id, id);

CREATE TABLE ticket_comments (
    id UUID PRIMARY KEY,
    ticket_id UUID NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id UUID REFERENCES users (id) ON DELETE SET NULL,
    author_name TEXT NOT NULL,
    body TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ticket_comments_ticket ON ticket_comments (ticket_id, id);

CREATE TABLE ticket_watchers (
    ticket_id UUID NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (ticket_id, user_id)
);

-- Files are stored on disk under <data_dir>/files/<id>; this is their card.
CREATE TABLE attachments (
    id UUID PRIMARY KEY,
    ticket_id UUID NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    has_thumbnail BOOLEAN NOT NULL,
    uploaded_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX attachments_ticket ON attachments (ticket_id);

-- Intake idempotency (Stripe's semantics): the first answer to a key is
-- kept and replayed; kept at least 24 hours.
CREATE TABLE idempotency_keys (
    user_id UUID NOT NULL,
    key TEXT NOT NULL,
    request_hash BYTEA NOT NULL,
    -- 0 while the first request is being processed.
    status BIGINT NOT NULL,
    response JSONB,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE saved_filters (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX saved_filters_name ON saved_filters (user_id, name);
