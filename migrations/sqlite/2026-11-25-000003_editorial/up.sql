-- The editorial side: who last saved an article, its earlier versions, the slugs it used to
-- have, sign-in sessions, login throttling, and settings the server keeps for itself.

ALTER TABLE articles ADD COLUMN updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL;

-- One row per superseded version: what the article said at `version`, who saved that
-- version and when.
CREATE TABLE article_revisions (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    custom_excerpt TEXT,
    markdown TEXT NOT NULL,
    saved_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    saved_at TEXT NOT NULL,
    CONSTRAINT article_revisions_version_key UNIQUE (article_id, version)
);

-- Slugs a published article had before: links to them keep working.
CREATE TABLE article_slug_aliases (
    slug TEXT NOT NULL PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX article_slug_aliases_article_idx ON article_slug_aliases (article_id);

-- Refresh tokens, stored as hashes. Each use replaces the token with a new one of the same
-- family; using a replaced token again revokes the whole family.
CREATE TABLE refresh_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    family TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    revoked_at TEXT,
    CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Failed sign-ins per account and per address, in a sliding window.
CREATE TABLE login_throttle (
    key TEXT NOT NULL PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_started_at TEXT NOT NULL
);

CREATE TABLE settings (
    key TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
