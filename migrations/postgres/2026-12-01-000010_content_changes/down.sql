DROP TRIGGER articles_insert_content_version ON articles;
DROP TRIGGER articles_update_content_version ON articles;
DROP TRIGGER articles_delete_content_version ON articles;
DROP TRIGGER articles_truncate_content_version ON articles;
DROP TRIGGER tags_insert_content_version ON tags;
DROP TRIGGER tags_update_content_version ON tags;
DROP TRIGGER tags_delete_content_version ON tags;
DROP TRIGGER tags_truncate_content_version ON tags;
DROP TRIGGER users_insert_content_version ON users;
DROP TRIGGER users_update_content_version ON users;
DROP TRIGGER users_delete_content_version ON users;
DROP TRIGGER users_truncate_content_version ON users;
DROP TRIGGER article_tags_insert_content_version ON article_tags;
DROP TRIGGER article_tags_update_content_version ON article_tags;
DROP TRIGGER article_tags_delete_content_version ON article_tags;
DROP TRIGGER article_tags_truncate_content_version ON article_tags;
DROP TRIGGER article_authors_insert_content_version ON article_authors;
DROP TRIGGER article_authors_update_content_version ON article_authors;
DROP TRIGGER article_authors_delete_content_version ON article_authors;
DROP TRIGGER article_authors_truncate_content_version ON article_authors;
DROP TRIGGER related_articles_insert_content_version ON related_articles;
DROP TRIGGER related_articles_update_content_version ON related_articles;
DROP TRIGGER related_articles_delete_content_version ON related_articles;
DROP TRIGGER related_articles_truncate_content_version ON related_articles;
DROP TRIGGER article_slug_aliases_insert_content_version ON article_slug_aliases;
DROP TRIGGER article_slug_aliases_update_content_version ON article_slug_aliases;
DROP TRIGGER article_slug_aliases_delete_content_version ON article_slug_aliases;
DROP TRIGGER article_slug_aliases_truncate_content_version ON article_slug_aliases;
DROP TRIGGER settings_content_version ON settings;
DROP FUNCTION articles_changed();
DROP FUNCTION tags_changed();
DROP FUNCTION users_changed();
DROP FUNCTION article_tags_changed();
DROP FUNCTION article_authors_changed();
DROP FUNCTION related_articles_changed();
DROP FUNCTION article_slug_aliases_changed();
DROP FUNCTION settings_changed();
DROP FUNCTION article_key(BIGINT);
DROP FUNCTION record_content_change(TEXT[]);
DROP TABLE content_changes;
ALTER TABLE content_version DROP COLUMN pruned;

CREATE FUNCTION bump_content_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_content_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER tags_content_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tags
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER users_content_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER article_tags_content_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON article_tags
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER article_authors_content_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON article_authors
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER related_articles_content_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON related_articles
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER article_slug_aliases_content_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON article_slug_aliases
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER settings_content_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON settings
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
