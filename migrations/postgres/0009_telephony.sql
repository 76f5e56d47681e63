-- Telephony: the PBX integrations that send call events, the calls, their
-- matched clients and linked tickets, where calls are routed, and the
-- numbers refused at the ringing.
-- Migrations are append-only: never edit this file once it has landed.
-- PostgreSQL twin of migrations/sqlite/0009_telephony.sql.

CREATE TABLE pbx_integrations (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    -- SHA-256 of the token in the webhook's path; the token is shown once.
    token_hash BYTEA NOT NULL,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    last_event_at TIMESTAMPTZ,
    events BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX pbx_integrations_token_key ON pbx_integrations (token_hash);

CREATE TABLE calls (
    id UUID PRIMARY KEY,
    -- Where the call's events come from: "cti:<integration id>", "sip",
    -- "ami", "demo". With the PBX's own id it names the call once.
    source TEXT NOT NULL,
    pbx_call_id TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    -- As the PBX sent them, and the caller's number read as a phone.
    from_number TEXT NOT NULL,
    to_number TEXT NOT NULL,
    from_e164 TEXT,
    -- The other party's number of an outbound call, read as a phone.
    to_e164 TEXT,
    queue TEXT,
    operator_extension TEXT,
    operator_id UUID REFERENCES users (id) ON DELETE SET NULL,
    state TEXT NOT NULL CHECK (state IN ('ringing', 'answered', 'ended')),
    result TEXT CHECK (result IN ('answered', 'missed', 'busy', 'rejected', 'failed')),
    end_cause TEXT,
    rang BOOLEAN NOT NULL,
    rejected BOOLEAN NOT NULL DEFAULT FALSE,
    started_at TIMESTAMPTZ NOT NULL,
    answered_at TIMESTAMPTZ,
    ended_at TIMESTAMPTZ,
    recording_url TEXT,
    -- The building of the matched clients, when they are all in one.
    building_id UUID REFERENCES buildings (id) ON DELETE SET NULL,
    -- JSON array of the users the PBX rang (its user[] and queue); empty:
    -- everyone who receives calls.
    routed_to JSONB NOT NULL DEFAULT '[]',
    -- A missed inbound call: the callback task's clock and its end.
    callback_due_at TIMESTAMPTZ,
    callback_done_at TIMESTAMPTZ,
    callback_by UUID REFERENCES users (id) ON DELETE SET NULL,
    callback_note TEXT,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX calls_pbx_key ON calls (source, pbx_call_id);
CREATE INDEX calls_started ON calls (started_at, id);
CREATE INDEX calls_from ON calls (from_e164, started_at);
CREATE INDEX calls_callbacks ON calls (callback_due_at) WHERE callback_due_at IS NOT NULL AND callback_done_at IS NULL;
CREATE INDEX calls_ringing ON calls (state) WHERE state <> 'ended';

CREATE TABLE call_clients (
    call_id UUID NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    client_id UUID NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    PRIMARY KEY (call_id, client_id)
);
CREATE INDEX call_clients_client ON call_clients (client_id);

CREATE TABLE call_tickets (
    call_id UUID NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    ticket_id UUID NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    linked_by UUID REFERENCES users (id) ON DELETE SET NULL,
    linked_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (call_id, ticket_id)
);
CREATE INDEX call_tickets_ticket ON call_tickets (ticket_id);

-- Where a PBX's names point: an extension (or a Zammad user[] entry) to a
-- user, a queue to a team of dispatchers.
CREATE TABLE call_routes (
    kind TEXT NOT NULL CHECK (kind IN ('extension', 'queue')),
    name TEXT NOT NULL,
    user_id UUID REFERENCES users (id) ON DELETE CASCADE,
    team_id UUID REFERENCES teams (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, name),
    CHECK ((kind = 'extension' AND user_id IS NOT NULL AND team_id IS NULL)
        OR (kind = 'queue' AND team_id IS NOT NULL AND user_id IS NULL))
);

CREATE TABLE blocked_numbers (
    e164 TEXT PRIMARY KEY,
    note TEXT NOT NULL DEFAULT '',
    added_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL
);
