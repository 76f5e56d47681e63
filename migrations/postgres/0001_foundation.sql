-- Foundation: accounts, roles, buildings, tokens, audit log, event log.
-- Migrations are append-only: never edit this file once it has landed.

CREATE TABLE buildings (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('residential', 'business_centre', 'mixed')),
    time_zone TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX buildings_name_key ON buildings (name);

CREATE TABLE users (
    id UUID PRIMARY KEY,
    login TEXT NOT NULL,
    display_name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'resident')),
    password_hash TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    locale TEXT NOT NULL DEFAULT 'ru',
    -- Lower-cased login, name, e-mail and phone, ё folded to е: the one
    -- column user search looks in, identical on both backends.
    search_text TEXT NOT NULL,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ,
    disabled_at TIMESTAMPTZ,
    last_sign_in_at TIMESTAMPTZ,
    password_changed_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX users_login_key ON users (login);

CREATE TABLE roles (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    template TEXT,
    account_kind TEXT NOT NULL CHECK (account_kind IN ('staff', 'resident')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX roles_name_key ON roles (name);
CREATE UNIQUE INDEX roles_template_key ON roles (template) WHERE template IS NOT NULL;

CREATE TABLE role_permissions (
    role_id UUID NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (role_id, permission)
);

-- scope: 'all' (every building and the system), 'building' (building_id
-- set) or 'own' (a resident's own things).
CREATE TABLE role_assignments (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id UUID NOT NULL REFERENCES roles (id) ON DELETE RESTRICT,
    scope TEXT NOT NULL CHECK (scope IN ('all', 'building', 'own')),
    building_id UUID REFERENCES buildings (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    CHECK ((scope = 'building') = (building_id IS NOT NULL))
);
CREATE UNIQUE INDEX role_assignments_unscoped_key ON role_assignments (user_id, role_id) WHERE building_id IS NULL;
CREATE UNIQUE INDEX role_assignments_building_key ON role_assignments (user_id, role_id, building_id) WHERE building_id IS NOT NULL;
CREATE INDEX role_assignments_building ON role_assignments (building_id);

-- Browser sessions, API tokens and device tokens. Only a SHA-256 of the
-- secret is stored: a leaked database does not leak working tokens.
CREATE TABLE auth_tokens (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('session', 'api', 'device')),
    secret_hash BYTEA NOT NULL,
    csrf_token TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    ip TEXT,
    user_agent TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX auth_tokens_secret_key ON auth_tokens (secret_hash);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id);

CREATE TABLE audit_log (
    id UUID PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor_id UUID REFERENCES users (id) ON DELETE SET NULL,
    -- The actor's login at the time, kept when the account is gone.
    actor_login TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_id TEXT,
    building_id UUID,
    summary TEXT NOT NULL DEFAULT '',
    before_state JSONB,
    after_state JSONB,
    ip TEXT,
    request_id TEXT
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_entity ON audit_log (entity_kind, entity_id, id);
CREATE INDEX audit_log_building ON audit_log (building_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

-- The last sequence number given out per topic. Bumping a row locks it
-- until commit, which serialises writers of one topic.
CREATE TABLE topic_seqs (
    topic TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);

CREATE TABLE events (
    id UUID PRIMARY KEY,
    topic TEXT NOT NULL,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    payload JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (topic, seq)
);
CREATE INDEX events_created_at ON events (created_at);
