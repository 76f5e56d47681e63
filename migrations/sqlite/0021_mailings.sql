-- Mailings to residents and one delivery row per recipient and channel.
-- An outward delivery (e-mail, SMS, push) is a message on the outbox with
-- the row's `outbox_key`; its sent / failed state is the outbox's, so it is
-- recorded once, by the dispatcher that sent it. An in-app delivery is the
-- notice itself (the cabinet lists them). A recipient nothing reaches has a
-- `skipped` row with the reason.
-- Migrations are append-only: never edit this file once it has landed.
-- SQLite twin of migrations/postgres/0021_mailings.sql.
CREATE TABLE mailings (
    id BLOB PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- domain::mailing::MailingKind: news | works | emergency | billing.
    kind TEXT NOT NULL,
    -- domain::mailing::MailingChannel codes, in order, comma-separated.
    channels TEXT NOT NULL,
    -- domain::mailing::Audience as JSON.
    audience TEXT NOT NULL,
    -- domain::mailing::MailingStatus: draft | sent.
    status TEXT NOT NULL,
    created_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    sent_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    sent_at TEXT
);
CREATE INDEX mailings_created ON mailings (created_at);

CREATE TABLE mailing_deliveries (
    id BLOB PRIMARY KEY,
    mailing_id BLOB NOT NULL REFERENCES mailings (id) ON DELETE CASCADE,
    client_id BLOB NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    -- domain::mailing::MailingChannel, or NULL for a skipped recipient.
    channel TEXT,
    -- The address written to (e-mail, phone), for the report.
    address TEXT,
    -- queued (look at the outbox) | delivered (in-app) | skipped.
    status TEXT NOT NULL,
    -- domain::mailing::Exclusion for a skipped recipient.
    reason TEXT,
    -- The outbox message's dedup key (channel = this row's channel).
    outbox_key TEXT,
    -- The secret of the unsubscribe link (non-emergency e-mail and SMS).
    unsubscribe_token TEXT,
    unsubscribed_at TEXT,
    -- What the recipient read, rendered for them (the cabinet shows it).
    subject TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX mailing_deliveries_once ON mailing_deliveries (mailing_id, client_id, COALESCE(channel, ''));
CREATE INDEX mailing_deliveries_client ON mailing_deliveries (client_id, created_at);
CREATE UNIQUE INDEX mailing_deliveries_unsubscribe ON mailing_deliveries (unsubscribe_token) WHERE unsubscribe_token IS NOT NULL;

-- The client-service office chooses audiences on the chessboard: the
-- built-in role gains it on upgrade, as fresh installations have it.
INSERT INTO role_permissions (role_id, permission)
SELECT id, 'chessboard.read' FROM roles WHERE template = 'client_service'
  AND NOT EXISTS (SELECT 1 FROM role_permissions p WHERE p.role_id = roles.id AND p.permission = 'chessboard.read');
