-- A journal of what each content change touched, so that a response cache drops only the
-- responses that depend on it (README "Caching"). Written by the same triggers that move the
-- content version, in the same transaction, so that no writer (the API, the CLI, the
-- scheduler, an importer, a database client) can forget it. The keys are those of the
-- SQLite migration of the same name, which explains each.
CREATE TABLE content_changes (
    version BIGINT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (version, key)
);

-- Versions at or below `pruned` may have lost their rows: a cache that last saw one of them
-- cannot tell what changed since, and drops everything. The journal starts now.
ALTER TABLE content_version ADD COLUMN pruned BIGINT NOT NULL DEFAULT 0;
UPDATE content_version SET pruned = version WHERE id = 1;

-- One statement's change: the version moves once, and the keys it touched are journalled
-- under it. The journal keeps the last 8192 versions or so: pruned every 1024.
CREATE FUNCTION record_content_change(keys TEXT[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v BIGINT;
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1 RETURNING version INTO v;
    INSERT INTO content_changes (version, key)
        SELECT DISTINCT v, k FROM unnest(keys) AS k WHERE k IS NOT NULL;
    IF v % 1024 = 0 THEN
        DELETE FROM content_changes WHERE version <= v - 8192;
        UPDATE content_version SET pruned = greatest(pruned, v - 8192) WHERE id = 1;
    END IF;
END
$$;

CREATE FUNCTION article_key(article BIGINT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT 'article:' || replace(uuid::text, '-', '') FROM articles WHERE id = article
$$;

DROP TRIGGER articles_content_version ON articles;
DROP TRIGGER tags_content_version ON tags;
DROP TRIGGER users_content_version ON users;
DROP TRIGGER article_tags_content_version ON article_tags;
DROP TRIGGER article_authors_content_version ON article_authors;
DROP TRIGGER related_articles_content_version ON related_articles;
DROP TRIGGER article_slug_aliases_content_version ON article_slug_aliases;
DROP TRIGGER settings_content_version ON settings;
DROP FUNCTION bump_content_version();

CREATE FUNCTION articles_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM record_content_change(ARRAY['articles', 'articles:any'] || ARRAY(
            SELECT 'article:' || replace(n.uuid::text, '-', '') FROM new_rows n));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM record_content_change(ARRAY['articles', 'articles:any', 'tags', 'authors'] || ARRAY(
            SELECT 'article:' || replace(o.uuid::text, '-', '') FROM old_rows o
            UNION SELECT 'tag:' || t.tag_id FROM article_tags t JOIN old_rows o ON o.id = t.article_id
            UNION SELECT 'related:' || t.tag_id FROM article_tags t JOIN old_rows o ON o.id = t.article_id
            UNION SELECT 'author:' || w.user_id FROM article_authors w JOIN old_rows o ON o.id = w.article_id));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM record_content_change(ARRAY['articles:any'] || ARRAY(
            SELECT 'article:' || replace(o.uuid::text, '-', '') FROM old_rows o
            UNION SELECT 'article:' || replace(n.uuid::text, '-', '') FROM new_rows n
            UNION SELECT m.key FROM (
                SELECT n.id FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
                WHERE o.id IS NULL OR o.status <> n.status
                    OR o.published_at IS DISTINCT FROM n.published_at
                    OR o.slug <> n.slug OR o.featured <> n.featured
                UNION SELECT o.id FROM old_rows o LEFT JOIN new_rows n ON o.id = n.id
                WHERE n.id IS NULL
            ) moved, LATERAL (
                SELECT 'articles' AS key UNION SELECT 'tags' UNION SELECT 'authors'
                UNION SELECT 'tag:' || t.tag_id FROM article_tags t WHERE t.article_id = moved.id
                UNION SELECT 'related:' || t.tag_id FROM article_tags t WHERE t.article_id = moved.id
                UNION SELECT 'author:' || w.user_id FROM article_authors w WHERE w.article_id = moved.id
            ) m));
    ELSE
        PERFORM record_content_change(ARRAY['*']);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION tags_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM record_content_change(ARRAY['tags', 'articles', 'articles:any'] || ARRAY(
            SELECT 'tag:' || n.id FROM new_rows n));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM record_content_change(ARRAY['tags', 'articles', 'articles:any'] || ARRAY(
            SELECT 'tag:' || o.id FROM old_rows o UNION SELECT 'related:' || o.id FROM old_rows o));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM record_content_change(ARRAY['tags', 'articles', 'articles:any'] || ARRAY(
            SELECT 'tag:' || o.id FROM old_rows o UNION SELECT 'related:' || o.id FROM old_rows o
            UNION SELECT 'tag:' || n.id FROM new_rows n UNION SELECT 'related:' || n.id FROM new_rows n
            UNION SELECT '*' FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
                WHERE o.id IS NULL OR o.visibility <> n.visibility));
    ELSE
        PERFORM record_content_change(ARRAY['*']);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION users_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM record_content_change(ARRAY['authors', 'articles', 'articles:any'] || ARRAY(
            SELECT 'author:' || n.id FROM new_rows n));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM record_content_change(ARRAY['authors', 'articles', 'articles:any'] || ARRAY(
            SELECT 'author:' || o.id FROM old_rows o));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM record_content_change(ARRAY['authors', 'articles', 'articles:any'] || ARRAY(
            SELECT 'author:' || o.id FROM old_rows o UNION SELECT 'author:' || n.id FROM new_rows n));
    ELSE
        PERFORM record_content_change(ARRAY['*']);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION article_tags_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM record_content_change(ARRAY['tags', 'articles', 'articles:any']::TEXT[] || ARRAY(
            SELECT article_key(r.article_id) FROM new_rows r UNION SELECT 'tag:' || r.tag_id FROM new_rows r UNION SELECT 'related:' || r.tag_id FROM new_rows r));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM record_content_change(ARRAY['tags', 'articles', 'articles:any']::TEXT[] || ARRAY(
            SELECT article_key(r.article_id) FROM old_rows r UNION SELECT 'tag:' || r.tag_id FROM old_rows r UNION SELECT 'related:' || r.tag_id FROM old_rows r));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM record_content_change(ARRAY['tags', 'articles', 'articles:any']::TEXT[] || ARRAY(
            SELECT article_key(r.article_id) FROM old_rows r UNION SELECT 'tag:' || r.tag_id FROM old_rows r UNION SELECT 'related:' || r.tag_id FROM old_rows r
            UNION SELECT article_key(r.article_id) FROM new_rows r UNION SELECT 'tag:' || r.tag_id FROM new_rows r UNION SELECT 'related:' || r.tag_id FROM new_rows r));
    ELSE
        PERFORM record_content_change(ARRAY['*']);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION article_authors_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM record_content_change(ARRAY['authors', 'articles', 'articles:any']::TEXT[] || ARRAY(
            SELECT article_key(r.article_id) FROM new_rows r UNION SELECT 'author:' || r.user_id FROM new_rows r));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM record_content_change(ARRAY['authors', 'articles', 'articles:any']::TEXT[] || ARRAY(
            SELECT article_key(r.article_id) FROM old_rows r UNION SELECT 'author:' || r.user_id FROM old_rows r));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM record_content_change(ARRAY['authors', 'articles', 'articles:any']::TEXT[] || ARRAY(
            SELECT article_key(r.article_id) FROM old_rows r UNION SELECT 'author:' || r.user_id FROM old_rows r
            UNION SELECT article_key(r.article_id) FROM new_rows r UNION SELECT 'author:' || r.user_id FROM new_rows r));
    ELSE
        PERFORM record_content_change(ARRAY['*']);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION related_articles_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM record_content_change(ARRAY(
            SELECT article_key(r.article_id) FROM new_rows r UNION SELECT article_key(r.related_id) FROM new_rows r));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM record_content_change(ARRAY(
            SELECT article_key(r.article_id) FROM old_rows r UNION SELECT article_key(r.related_id) FROM old_rows r));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM record_content_change(ARRAY(
            SELECT article_key(r.article_id) FROM old_rows r UNION SELECT article_key(r.related_id) FROM old_rows r
            UNION SELECT article_key(r.article_id) FROM new_rows r UNION SELECT article_key(r.related_id) FROM new_rows r));
    ELSE
        PERFORM record_content_change(ARRAY['*']);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION article_slug_aliases_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM record_content_change(ARRAY['articles', 'articles:any']::TEXT[] || ARRAY(
            SELECT article_key(r.article_id) FROM new_rows r));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM record_content_change(ARRAY['articles', 'articles:any']::TEXT[] || ARRAY(
            SELECT article_key(r.article_id) FROM old_rows r));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM record_content_change(ARRAY['articles', 'articles:any']::TEXT[] || ARRAY(
            SELECT article_key(r.article_id) FROM old_rows r
            UNION SELECT article_key(r.article_id) FROM new_rows r));
    ELSE
        PERFORM record_content_change(ARRAY['*']);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION settings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM record_content_change(ARRAY['*']);
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_insert_content_version AFTER INSERT ON articles
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION articles_changed();
CREATE TRIGGER articles_update_content_version AFTER UPDATE ON articles
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_changed();
CREATE TRIGGER articles_delete_content_version AFTER DELETE ON articles
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION articles_changed();
CREATE TRIGGER articles_truncate_content_version AFTER TRUNCATE ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION articles_changed();
CREATE TRIGGER tags_insert_content_version AFTER INSERT ON tags
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tags_changed();
CREATE TRIGGER tags_update_content_version AFTER UPDATE ON tags
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tags_changed();
CREATE TRIGGER tags_delete_content_version AFTER DELETE ON tags
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tags_changed();
CREATE TRIGGER tags_truncate_content_version AFTER TRUNCATE ON tags
    FOR EACH STATEMENT EXECUTE FUNCTION tags_changed();
CREATE TRIGGER users_insert_content_version AFTER INSERT ON users
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION users_changed();
CREATE TRIGGER users_update_content_version AFTER UPDATE ON users
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION users_changed();
CREATE TRIGGER users_delete_content_version AFTER DELETE ON users
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION users_changed();
CREATE TRIGGER users_truncate_content_version AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION users_changed();
CREATE TRIGGER article_tags_insert_content_version AFTER INSERT ON article_tags
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION article_tags_changed();
CREATE TRIGGER article_tags_update_content_version AFTER UPDATE ON article_tags
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION article_tags_changed();
CREATE TRIGGER article_tags_delete_content_version AFTER DELETE ON article_tags
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION article_tags_changed();
CREATE TRIGGER article_tags_truncate_content_version AFTER TRUNCATE ON article_tags
    FOR EACH STATEMENT EXECUTE FUNCTION article_tags_changed();
CREATE TRIGGER article_authors_insert_content_version AFTER INSERT ON article_authors
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION article_authors_changed();
CREATE TRIGGER article_authors_update_content_version AFTER UPDATE ON article_authors
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION article_authors_changed();
CREATE TRIGGER article_authors_delete_content_version AFTER DELETE ON article_authors
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION article_authors_changed();
CREATE TRIGGER article_authors_truncate_content_version AFTER TRUNCATE ON article_authors
    FOR EACH STATEMENT EXECUTE FUNCTION article_authors_changed();
CREATE TRIGGER related_articles_insert_content_version AFTER INSERT ON related_articles
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION related_articles_changed();
CREATE TRIGGER related_articles_update_content_version AFTER UPDATE ON related_articles
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION related_articles_changed();
CREATE TRIGGER related_articles_delete_content_version AFTER DELETE ON related_articles
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION related_articles_changed();
CREATE TRIGGER related_articles_truncate_content_version AFTER TRUNCATE ON related_articles
    FOR EACH STATEMENT EXECUTE FUNCTION related_articles_changed();
CREATE TRIGGER article_slug_aliases_insert_content_version AFTER INSERT ON article_slug_aliases
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION article_slug_aliases_changed();
CREATE TRIGGER article_slug_aliases_update_content_version AFTER UPDATE ON article_slug_aliases
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION article_slug_aliases_changed();
CREATE TRIGGER article_slug_aliases_delete_content_version AFTER DELETE ON article_slug_aliases
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION article_slug_aliases_changed();
CREATE TRIGGER article_slug_aliases_truncate_content_version AFTER TRUNCATE ON article_slug_aliases
    FOR EACH STATEMENT EXECUTE FUNCTION article_slug_aliases_changed();
CREATE TRIGGER settings_content_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON settings
    FOR EACH STATEMENT EXECUTE FUNCTION settings_changed();
