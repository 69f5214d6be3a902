-- A journal of what each content change touched, so that a response cache drops only the
-- responses that depend on it (README "Caching"). Written by the same triggers that move the
-- content version, in the same transaction, so that no writer (the API, the CLI, the
-- scheduler, an importer, a database client) can forget it.
--
-- Each row names one dependency key a change touched, under the version the change made:
-- `article:<uuid hex>`, `tag:<id>`, `author:<id>` (the public surrogate keys), and the
-- internal keys `articles` (which articles are listed, and in what order by date: status,
-- publication date, slug, featured, tags, authors), `articles:any` (any change to any
-- article: lists filtered or ordered by other columns, searches), `related:<tag id>` (the
-- pool a tag's articles are suggested from), `tags`, `authors`, and `*` (everything).
CREATE TABLE content_changes (
    version BIGINT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (version, key)
);

-- Versions at or below `pruned` may have lost their rows: a cache that last saw one of them
-- cannot tell what changed since, and drops everything. The journal starts now.
ALTER TABLE content_version ADD COLUMN pruned BIGINT NOT NULL DEFAULT 0;
UPDATE content_version SET pruned = version WHERE id = 1;

-- The journal keeps the last 8192 versions or so: pruned every 1024.
CREATE TRIGGER content_changes_prune AFTER UPDATE OF version ON content_version
WHEN NEW.version % 1024 = 0
BEGIN
    DELETE FROM content_changes WHERE version <= NEW.version - 8192;
    UPDATE content_version SET pruned = max(pruned, NEW.version - 8192) WHERE id = 1;
END;

DROP TRIGGER articles_insert_content_version;
DROP TRIGGER articles_update_content_version;
DROP TRIGGER articles_delete_content_version;
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

-- Articles. A new or deleted article enters or leaves lists; its tags and authors (and their
-- counts and suggestion pools) are named by the link triggers, and again here for a delete
-- in case the links are still there.
CREATE TRIGGER articles_insert_content_version AFTER INSERT ON articles
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'article:' || lower(replace(NEW.uuid, '-', '')) AS key
        UNION SELECT 'articles' UNION SELECT 'articles:any'
    ) k WHERE v.id = 1;
END;
CREATE TRIGGER articles_delete_content_version AFTER DELETE ON articles
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'article:' || lower(replace(OLD.uuid, '-', '')) AS key
        UNION SELECT 'articles' UNION SELECT 'articles:any'
        UNION SELECT 'tags' UNION SELECT 'authors'
        UNION SELECT 'tag:' || tag_id FROM article_tags WHERE article_id = OLD.id
        UNION SELECT 'related:' || tag_id FROM article_tags WHERE article_id = OLD.id
        UNION SELECT 'author:' || user_id FROM article_authors WHERE article_id = OLD.id
    ) k WHERE v.id = 1;
END;
-- An edit names the article and `articles:any`; a change to what places it in lists (status,
-- publication date, slug, featured) names the lists too, and its tags' and authors' pages,
-- counts and suggestion pools.
CREATE TRIGGER articles_update_content_version AFTER UPDATE ON articles
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'article:' || lower(replace(OLD.uuid, '-', '')) AS key
        UNION SELECT 'article:' || lower(replace(NEW.uuid, '-', ''))
        UNION SELECT 'articles:any'
        UNION SELECT m.key FROM (
            SELECT 'articles' AS key UNION SELECT 'tags' UNION SELECT 'authors'
            UNION SELECT 'tag:' || tag_id FROM article_tags WHERE article_id = NEW.id
            UNION SELECT 'related:' || tag_id FROM article_tags WHERE article_id = NEW.id
            UNION SELECT 'author:' || user_id FROM article_authors WHERE article_id = NEW.id
        ) m
        WHERE OLD.status IS NOT NEW.status OR OLD.published_at IS NOT NEW.published_at
            OR OLD.slug IS NOT NEW.slug OR OLD.featured IS NOT NEW.featured
            OR OLD.id IS NOT NEW.id
    ) k WHERE v.id = 1;
END;

-- Tags: a tag's own responses and the tag lists; lists of articles filtered by its slug. A
-- change of visibility shows or hides it on every article that carries it, in every answer
-- shape: everything goes (it is rare).
CREATE TRIGGER tags_insert_content_version AFTER INSERT ON tags
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'tag:' || NEW.id AS key UNION SELECT 'tags'
        UNION SELECT 'articles' UNION SELECT 'articles:any'
    ) k WHERE v.id = 1;
END;
CREATE TRIGGER tags_update_content_version AFTER UPDATE ON tags
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'tag:' || OLD.id AS key UNION SELECT 'tag:' || NEW.id UNION SELECT 'tags'
        UNION SELECT 'articles' UNION SELECT 'articles:any'
        UNION SELECT 'related:' || OLD.id UNION SELECT 'related:' || NEW.id
        UNION SELECT '*' WHERE OLD.visibility IS NOT NEW.visibility OR OLD.id IS NOT NEW.id
    ) k WHERE v.id = 1;
END;
CREATE TRIGGER tags_delete_content_version AFTER DELETE ON tags
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'tag:' || OLD.id AS key UNION SELECT 'tags'
        UNION SELECT 'articles' UNION SELECT 'articles:any' UNION SELECT 'related:' || OLD.id
    ) k WHERE v.id = 1;
END;

-- Users: an author's own responses, the author lists, lists filtered by their slug.
CREATE TRIGGER users_insert_content_version AFTER INSERT ON users
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'author:' || NEW.id AS key UNION SELECT 'authors'
        UNION SELECT 'articles' UNION SELECT 'articles:any'
    ) k WHERE v.id = 1;
END;
CREATE TRIGGER users_update_content_version AFTER UPDATE ON users
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'author:' || OLD.id AS key UNION SELECT 'author:' || NEW.id
        UNION SELECT 'authors' UNION SELECT 'articles' UNION SELECT 'articles:any'
    ) k WHERE v.id = 1;
END;
CREATE TRIGGER users_delete_content_version AFTER DELETE ON users
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'author:' || OLD.id AS key UNION SELECT 'authors'
        UNION SELECT 'articles' UNION SELECT 'articles:any'
    ) k WHERE v.id = 1;
END;

-- An article's tags: the article, the tag's page, counts and suggestion pool, every list.
CREATE TRIGGER article_tags_insert_content_version AFTER INSERT ON article_tags
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'article:' || lower(replace(a.uuid, '-', '')) AS key
            FROM articles a WHERE a.id = NEW.article_id
        UNION SELECT 'tag:' || NEW.tag_id UNION SELECT 'related:' || NEW.tag_id
        UNION SELECT 'tags' UNION SELECT 'articles' UNION SELECT 'articles:any'
    ) k WHERE v.id = 1;
END;
CREATE TRIGGER article_tags_update_content_version AFTER UPDATE ON article_tags
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'article:' || lower(replace(a.uuid, '-', '')) AS key
            FROM articles a WHERE a.id IN (OLD.article_id, NEW.article_id)
        UNION SELECT 'tag:' || OLD.tag_id UNION SELECT 'related:' || OLD.tag_id
        UNION SELECT 'tag:' || NEW.tag_id UNION SELECT 'related:' || NEW.tag_id
        UNION SELECT 'tags' UNION SELECT 'articles' UNION SELECT 'articles:any'
    ) k WHERE v.id = 1;
END;
CREATE TRIGGER article_tags_delete_content_version AFTER DELETE ON article_tags
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'article:' || lower(replace(a.uuid, '-', '')) AS key
            FROM articles a WHERE a.id = OLD.article_id
        UNION SELECT 'tag:' || OLD.tag_id UNION SELECT 'related:' || OLD.tag_id
        UNION SELECT 'tags' UNION SELECT 'articles' UNION SELECT 'articles:any'
    ) k WHERE v.id = 1;
END;

-- An article's authors: the article, the author's page and count, every list.
CREATE TRIGGER article_authors_insert_content_version AFTER INSERT ON article_authors
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'article:' || lower(replace(a.uuid, '-', '')) AS key
            FROM articles a WHERE a.id = NEW.article_id
        UNION SELECT 'author:' || NEW.user_id
        UNION SELECT 'authors' UNION SELECT 'articles' UNION SELECT 'articles:any'
    ) k WHERE v.id = 1;
END;
CREATE TRIGGER article_authors_update_content_version AFTER UPDATE ON article_authors
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'article:' || lower(replace(a.uuid, '-', '')) AS key
            FROM articles a WHERE a.id IN (OLD.article_id, NEW.article_id)
        UNION SELECT 'author:' || OLD.user_id UNION SELECT 'author:' || NEW.user_id
        UNION SELECT 'authors' UNION SELECT 'articles' UNION SELECT 'articles:any'
    ) k WHERE v.id = 1;
END;
CREATE TRIGGER article_authors_delete_content_version AFTER DELETE ON article_authors
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'article:' || lower(replace(a.uuid, '-', '')) AS key
            FROM articles a WHERE a.id = OLD.article_id
        UNION SELECT 'author:' || OLD.user_id
        UNION SELECT 'authors' UNION SELECT 'articles' UNION SELECT 'articles:any'
    ) k WHERE v.id = 1;
END;

-- Curated links: the pages of both ends (the source shows the link and leaves the target
-- out of its suggestions).
CREATE TRIGGER related_articles_insert_content_version AFTER INSERT ON related_articles
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, 'article:' || lower(replace(a.uuid, '-', ''))
    FROM content_version v, articles a
    WHERE v.id = 1 AND a.id IN (NEW.article_id, NEW.related_id);
END;
CREATE TRIGGER related_articles_update_content_version AFTER UPDATE ON related_articles
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, 'article:' || lower(replace(a.uuid, '-', ''))
    FROM content_version v, articles a
    WHERE v.id = 1
        AND a.id IN (OLD.article_id, OLD.related_id, NEW.article_id, NEW.related_id);
END;
CREATE TRIGGER related_articles_delete_content_version AFTER DELETE ON related_articles
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, 'article:' || lower(replace(a.uuid, '-', ''))
    FROM content_version v, articles a
    WHERE v.id = 1 AND a.id IN (OLD.article_id, OLD.related_id);
END;

-- Old slugs: the article they lead to, and `articles` (an unknown slug's answer depends on
-- it).
CREATE TRIGGER article_slug_aliases_insert_content_version AFTER INSERT ON article_slug_aliases
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'article:' || lower(replace(a.uuid, '-', '')) AS key
            FROM articles a WHERE a.id = NEW.article_id
        UNION SELECT 'articles' UNION SELECT 'articles:any'
    ) k WHERE v.id = 1;
END;
CREATE TRIGGER article_slug_aliases_update_content_version AFTER UPDATE ON article_slug_aliases
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'article:' || lower(replace(a.uuid, '-', '')) AS key
            FROM articles a WHERE a.id IN (OLD.article_id, NEW.article_id)
        UNION SELECT 'articles' UNION SELECT 'articles:any'
    ) k WHERE v.id = 1;
END;
CREATE TRIGGER article_slug_aliases_delete_content_version AFTER DELETE ON article_slug_aliases
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key)
    SELECT v.version, k.key FROM content_version v, (
        SELECT 'article:' || lower(replace(a.uuid, '-', '')) AS key
            FROM articles a WHERE a.id = OLD.article_id
        UNION SELECT 'articles' UNION SELECT 'articles:any'
    ) k WHERE v.id = 1;
END;

-- Settings show through everything (titles, addresses, feeds): everything goes.
CREATE TRIGGER settings_insert_content_version AFTER INSERT ON settings
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key) SELECT version, '*' FROM content_version WHERE id = 1;
END;
CREATE TRIGGER settings_update_content_version AFTER UPDATE ON settings
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key) SELECT version, '*' FROM content_version WHERE id = 1;
END;
CREATE TRIGGER settings_delete_content_version AFTER DELETE ON settings
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1;
    INSERT INTO content_changes (version, key) SELECT version, '*' FROM content_version WHERE id = 1;
END;
