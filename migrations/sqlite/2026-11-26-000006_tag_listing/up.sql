-- A tag's articles by date, straight from an index: each tag link carries its article's
-- publication date, kept equal to it by triggers, so that any page of a tag's list (page 1
-- or page 5,000) is one short index range, however many articles the tag has.
ALTER TABLE article_tags ADD COLUMN published_at TEXT;
UPDATE article_tags
SET published_at = (SELECT a.published_at FROM articles a WHERE a.id = article_tags.article_id);
CREATE INDEX article_tags_listing_idx ON article_tags (tag_id, published_at, article_id);

-- A new link takes its article's date (a loader that gives the date itself skips the lookup).
CREATE TRIGGER article_tags_take_published_at AFTER INSERT ON article_tags
WHEN NEW.published_at IS NULL BEGIN
    UPDATE article_tags
    SET published_at = (SELECT a.published_at FROM articles a WHERE a.id = NEW.article_id)
    WHERE article_id = NEW.article_id AND tag_id = NEW.tag_id;
END;

-- A new date (publishing, scheduling, unpublishing, back-dating) moves the article's links.
CREATE TRIGGER articles_give_published_at AFTER UPDATE OF published_at ON articles
WHEN NEW.published_at IS NOT OLD.published_at BEGIN
    UPDATE article_tags SET published_at = NEW.published_at WHERE article_id = NEW.id;
END;

-- Counting what the public may read (the JSON API's `meta.pagination.total` on every page)
-- from the date index rather than the table, whose rows hold whole bodies: the index that
-- orders lists by date also carries the status. (A separate index on status would tempt
-- the planner to sort whole lists instead of walking this one.)
DROP INDEX articles_published_at_idx;
CREATE INDEX articles_published_at_idx ON articles (published_at, id, status);
