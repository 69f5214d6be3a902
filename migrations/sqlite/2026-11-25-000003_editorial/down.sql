DROP TABLE settings;
DROP TABLE login_throttle;
DROP TABLE refresh_tokens;
DROP TABLE article_slug_aliases;
DROP TABLE article_revisions;
-- SQLite cannot drop a column that references another table; articles.updated_by stays,
-- unused, and the up migration is written to be the only one that adds it.
