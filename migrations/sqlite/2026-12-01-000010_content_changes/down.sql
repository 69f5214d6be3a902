DROP TRIGGER content_changes_prune;
DROP TRIGGER articles_insert_content_version;
DROP TRIGGER articles_delete_content_version;
DROP TRIGGER articles_update_content_version;
DROP TRIGGER tags_insert_content_version;
DROP TRIGGER tags_update_content_version;
DROP TRIGGER tags_delete_content_version;
DROP TRIGGER users_insert_content_version;
DROP TRIGGER users_update_content_version;
DROP TRIGGER users_delete_content_version;
DROP TRIGGER article_tags_insert_content_version;
DROP TRIGGER article_tags_update_content_version;
DROP TRIGGER article_tags_delete_content_version;
DROP TRIGGER article_authors_insert_content_version;
DROP TRIGGER article_authors_update_content_version;
DROP TRIGGER article_authors_delete_content_version;
DROP TRIGGER related_articles_insert_content_version;
DROP TRIGGER related_articles_update_content_version;
DROP TRIGGER related_articles_delete_content_version;
DROP TRIGGER article_slug_aliases_insert_content_version;
DROP TRIGGER article_slug_aliases_update_content_version;
DROP TRIGGER article_slug_aliases_delete_content_version;
DROP TRIGGER settings_insert_content_version;
DROP TRIGGER settings_update_content_version;
DROP TRIGGER settings_delete_content_version;
CREATE TRIGGER articles_insert_content_version AFTER INSERT ON articles
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER articles_update_content_version AFTER UPDATE ON articles
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER articles_delete_content_version AFTER DELETE ON articles
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER tags_insert_content_version AFTER INSERT ON tags
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER tags_update_content_version AFTER UPDATE ON tags
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER tags_delete_content_version AFTER DELETE ON tags
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER users_insert_content_version AFTER INSERT ON users
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER users_update_content_version AFTER UPDATE ON users
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER users_delete_content_version AFTER DELETE ON users
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER article_tags_insert_content_version AFTER INSERT ON article_tags
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER article_tags_update_content_version AFTER UPDATE ON article_tags
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER article_tags_delete_content_version AFTER DELETE ON article_tags
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER article_authors_insert_content_version AFTER INSERT ON article_authors
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER article_authors_update_content_version AFTER UPDATE ON article_authors
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER article_authors_delete_content_version AFTER DELETE ON article_authors
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER related_articles_insert_content_version AFTER INSERT ON related_articles
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER related_articles_update_content_version AFTER UPDATE ON related_articles
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER related_articles_delete_content_version AFTER DELETE ON related_articles
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER article_slug_aliases_insert_content_version AFTER INSERT ON article_slug_aliases
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER article_slug_aliases_update_content_version AFTER UPDATE ON article_slug_aliases
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER article_slug_aliases_delete_content_version AFTER DELETE ON article_slug_aliases
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_insert_content_version AFTER INSERT ON settings
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_update_content_version AFTER UPDATE ON settings
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER settings_delete_content_version AFTER DELETE ON settings
BEGIN UPDATE content_version SET version = version + 1 WHERE id = 1; END;
DROP TABLE content_changes;
ALTER TABLE content_version DROP COLUMN pruned;
