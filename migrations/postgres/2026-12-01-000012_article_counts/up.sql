-- How many published articles each tag and each author has, kept by triggers, so that a
-- count (`count.posts`, `articleCount`, a list ordered by it) reads one row instead of
-- walking every link of a tag or byline. Only 'published' is counted here: a scheduled
-- article that has come due is live without a write, so readers add those (few, found by the
-- partial index on scheduled articles) at the instant they read.
CREATE TABLE tag_counts (
    tag_id BIGINT PRIMARY KEY REFERENCES tags (id) ON DELETE CASCADE,
    published BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE author_counts (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    published BIGINT NOT NULL DEFAULT 0
);

INSERT INTO tag_counts (tag_id, published)
SELECT t.id, (SELECT count(*) FROM article_tags l JOIN articles a ON a.id = l.article_id
              WHERE l.tag_id = t.id AND a.status = 'published')
FROM tags t;
INSERT INTO author_counts (user_id, published)
SELECT u.id, (SELECT count(*) FROM article_authors l JOIN articles a ON a.id = l.article_id
              WHERE l.user_id = u.id AND a.status = 'published')
FROM users u;

-- Every tag and user has its row from the start, so the triggers below only update.
CREATE FUNCTION tag_counts_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tag_counts (tag_id) VALUES (NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER tag_counts_row AFTER INSERT ON tags
    FOR EACH ROW EXECUTE FUNCTION tag_counts_row();
CREATE FUNCTION author_counts_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO author_counts (user_id) VALUES (NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER author_counts_row AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION author_counts_row();

-- Whether an article is published now (false once it is deleted: a link removed because its
-- article is being deleted finds no article, and the article's own trigger has uncounted).
CREATE FUNCTION article_is_published(article BIGINT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT status = 'published' FROM articles WHERE id = article), false)
$$;

-- A link to a published article counts; its removal uncounts.
CREATE FUNCTION tag_counts_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') AND article_is_published(OLD.article_id) THEN
        UPDATE tag_counts SET published = published - 1 WHERE tag_id = OLD.tag_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND article_is_published(NEW.article_id) THEN
        UPDATE tag_counts SET published = published + 1 WHERE tag_id = NEW.tag_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER tag_counts_link AFTER INSERT OR DELETE OR UPDATE OF article_id, tag_id
    ON article_tags FOR EACH ROW EXECUTE FUNCTION tag_counts_link();
CREATE FUNCTION author_counts_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') AND article_is_published(OLD.article_id) THEN
        UPDATE author_counts SET published = published - 1 WHERE user_id = OLD.user_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND article_is_published(NEW.article_id) THEN
        UPDATE author_counts SET published = published + 1 WHERE user_id = NEW.user_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER author_counts_link AFTER INSERT OR DELETE OR UPDATE OF article_id, user_id
    ON article_authors FOR EACH ROW EXECUTE FUNCTION author_counts_link();

-- Publishing counts the article's links; leaving 'published' (unpublishing, deleting)
-- uncounts them.
CREATE FUNCTION article_counts_move(article BIGINT, delta BIGINT) RETURNS void LANGUAGE sql AS $$
    UPDATE tag_counts SET published = published + delta
    WHERE tag_id IN (SELECT tag_id FROM article_tags WHERE article_id = article);
    UPDATE author_counts SET published = published + delta
    WHERE user_id IN (SELECT user_id FROM article_authors WHERE article_id = article);
$$;
CREATE FUNCTION article_counts_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM article_counts_move(OLD.id, -1);
        RETURN OLD;
    END IF;
    PERFORM article_counts_move(NEW.id, CASE WHEN NEW.status = 'published' THEN 1 ELSE -1 END);
    RETURN NULL;
END
$$;
CREATE TRIGGER article_counts_status AFTER UPDATE OF status ON articles FOR EACH ROW
    WHEN ((OLD.status = 'published') IS DISTINCT FROM (NEW.status = 'published'))
    EXECUTE FUNCTION article_counts_status();
CREATE TRIGGER article_counts_delete BEFORE DELETE ON articles FOR EACH ROW
    WHEN (OLD.status = 'published')
    EXECUTE FUNCTION article_counts_status();
