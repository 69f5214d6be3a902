-- Access tokens carry the version of their user's credentials; changing the password,
-- deactivating the account or changing its role moves it, ending every token at once.
ALTER TABLE users ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0;

-- Failures are counted per (account, address) and per address, with growing delays after
-- the last one; the old per-account rows mean nothing under the new keys.
DELETE FROM login_throttle;
ALTER TABLE login_throttle ADD COLUMN last_failed_at TIMESTAMPTZ;

-- Preview links carry their article's preview version; revoking them, or taking the article
-- down, moves it. No row: version 0.
CREATE TABLE article_preview_versions (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    version BIGINT NOT NULL
);
