-- A tag's articles by date, straight from an index: each tag link carries its article's
-- publication date, kept equal to it by triggers, so that any page of a tag's list (page 1
-- or page 5,000) is one short index range, however many articles the tag has.
ALTER TABLE article_tags ADD COLUMN published_at TIMESTAMPTZ;
UPDATE article_tags t SET published_at = a.published_at FROM articles a WHERE a.id = t.article_id;
CREATE INDEX article_tags_listing_idx ON article_tags (tag_id, published_at, article_id);

-- A new link takes its article's date (a loader that gives the date itself skips the lookup).
CREATE FUNCTION article_tags_take_published_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.published_at IS NULL THEN
        NEW.published_at := (SELECT a.published_at FROM articles a WHERE a.id = NEW.article_id);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER article_tags_take_published_at BEFORE INSERT ON article_tags
    FOR EACH ROW EXECUTE FUNCTION article_tags_take_published_at();

-- A new date (publishing, scheduling, unpublishing, back-dating) moves the article's links.
CREATE FUNCTION articles_give_published_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_tags SET published_at = NEW.published_at WHERE article_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_give_published_at AFTER UPDATE OF published_at ON articles
    FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at)
    EXECUTE FUNCTION articles_give_published_at();

-- Counting what the public may read (the JSON API's `meta.pagination.total` on every page)
-- from the date index rather than the table, whose rows hold whole bodies: the index that
-- orders lists by date also carries the status. (A separate index on status would tempt
-- the planner to sort whole lists instead of walking this one.)
DROP INDEX articles_published_at_idx;
CREATE INDEX articles_published_at_idx ON articles (published_at, id, status);
