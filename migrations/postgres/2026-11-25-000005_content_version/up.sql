-- One counter that goes up with every change to what readers can be shown: every process
-- compares it with what its response cache was built from (and so learns of changes made by
-- other replicas, the CLI, or anyone with a database client).
CREATE TABLE content_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 0);

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
