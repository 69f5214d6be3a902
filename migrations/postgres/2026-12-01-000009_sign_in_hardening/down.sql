DROP TABLE article_preview_versions;
ALTER TABLE login_throttle DROP COLUMN last_failed_at;
ALTER TABLE users DROP COLUMN token_version;
