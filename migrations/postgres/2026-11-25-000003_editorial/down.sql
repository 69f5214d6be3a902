DROP TABLE settings;
DROP TABLE login_throttle;
DROP TABLE refresh_tokens;
DROP TABLE article_slug_aliases;
DROP TABLE article_revisions;
ALTER TABLE articles DROP COLUMN updated_by;
