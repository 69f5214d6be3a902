-- How many published articles each tag and each author has, kept by triggers, so that a
-- count (`count.posts`, `articleCount`, a list ordered by it) reads one row instead of
-- walking every link of a tag or byline. Only 'published' is counted here: a scheduled
-- article that has come due is live without a write, so readers add those (few, found by the
-- partial index on scheduled articles) at the instant they read.
CREATE TABLE tag_counts (
    tag_id INTEGER PRIMARY KEY REFERENCES tags (id) ON DELETE CASCADE,
    published INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE author_counts (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    published INTEGER NOT NULL DEFAULT 0
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
CREATE TRIGGER tag_counts_row AFTER INSERT ON tags BEGIN
    INSERT INTO tag_counts (tag_id) VALUES (NEW.id);
END;
CREATE TRIGGER author_counts_row AFTER INSERT ON users BEGIN
    INSERT INTO author_counts (user_id) VALUES (NEW.id);
END;

-- A link to a published article counts; its removal uncounts (a link removed because its
-- article is being deleted finds no article, and the article's own trigger has uncounted).
CREATE TRIGGER tag_counts_link AFTER INSERT ON article_tags
WHEN (SELECT status FROM articles WHERE id = NEW.article_id) = 'published' BEGIN
    UPDATE tag_counts SET published = published + 1 WHERE tag_id = NEW.tag_id;
END;
CREATE TRIGGER tag_counts_unlink AFTER DELETE ON article_tags
WHEN (SELECT status FROM articles WHERE id = OLD.article_id) = 'published' BEGIN
    UPDATE tag_counts SET published = published - 1 WHERE tag_id = OLD.tag_id;
END;
CREATE TRIGGER tag_counts_relink AFTER UPDATE OF article_id, tag_id ON article_tags BEGIN
    UPDATE tag_counts SET published = published - 1 WHERE tag_id = OLD.tag_id
        AND (SELECT status FROM articles WHERE id = OLD.article_id) = 'published';
    UPDATE tag_counts SET published = published + 1 WHERE tag_id = NEW.tag_id
        AND (SELECT status FROM articles WHERE id = NEW.article_id) = 'published';
END;
CREATE TRIGGER author_counts_link AFTER INSERT ON article_authors
WHEN (SELECT status FROM articles WHERE id = NEW.article_id) = 'published' BEGIN
    UPDATE author_counts SET published = published + 1 WHERE user_id = NEW.user_id;
END;
CREATE TRIGGER author_counts_unlink AFTER DELETE ON article_authors
WHEN (SELECT status FROM articles WHERE id = OLD.article_id) = 'published' BEGIN
    UPDATE author_counts SET published = published - 1 WHERE user_id = OLD.user_id;
END;
CREATE TRIGGER author_counts_relink AFTER UPDATE OF article_id, user_id ON article_authors BEGIN
    UPDATE author_counts SET published = published - 1 WHERE user_id = OLD.user_id
        AND (SELECT status FROM articles WHERE id = OLD.article_id) = 'published';
    UPDATE author_counts SET published = published + 1 WHERE user_id = NEW.user_id
        AND (SELECT status FROM articles WHERE id = NEW.article_id) = 'published';
END;

-- Publishing counts the article's links; leaving 'published' (unpublishing, deleting)
-- uncounts them.
CREATE TRIGGER article_counts_status AFTER UPDATE OF status ON articles
WHEN (OLD.status = 'published') <> (NEW.status = 'published') BEGIN
    UPDATE tag_counts
    SET published = published + CASE WHEN NEW.status = 'published' THEN 1 ELSE -1 END
    WHERE tag_id IN (SELECT tag_id FROM article_tags WHERE article_id = NEW.id);
    UPDATE author_counts
    SET published = published + CASE WHEN NEW.status = 'published' THEN 1 ELSE -1 END
    WHERE user_id IN (SELECT user_id FROM article_authors WHERE article_id = NEW.id);
END;
CREATE TRIGGER article_counts_delete BEFORE DELETE ON articles
WHEN OLD.status = 'published' BEGIN
    UPDATE tag_counts SET published = published - 1
    WHERE tag_id IN (SELECT tag_id FROM article_tags WHERE article_id = OLD.id);
    UPDATE author_counts SET published = published - 1
    WHERE user_id IN (SELECT user_id FROM article_authors WHERE article_id = OLD.id);
END;
