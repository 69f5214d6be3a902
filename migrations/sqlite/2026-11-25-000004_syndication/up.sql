-- Syndication: API keys for partners and integrations, and webhooks with an outbox.

-- A content key (26 hex characters, read-only) is stored as its SHA-256; an integration key
-- (`{key_id}:{secret}`) keeps its secret, which verifies the HS256 tokens signed with it,
-- and acts as the staff account `user_id`.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('content', 'integration')),
    name TEXT NOT NULL,
    key_hash TEXT,
    key_id TEXT,
    secret TEXT,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    rate_limit INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT,
    CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash),
    CONSTRAINT api_keys_key_id_key UNIQUE (key_id)
);

CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason TEXT,
    created_at TEXT NOT NULL
);

-- Every event, written in the same transaction as the change that caused it.
CREATE TABLE webhook_events (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT webhook_events_event_id_key UNIQUE (event_id)
);

-- One delivery per event and hook; each try is recorded in webhook_attempts.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_row INTEGER NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_row);

CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at TEXT NOT NULL,
    response_status INTEGER,
    error TEXT
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id);
