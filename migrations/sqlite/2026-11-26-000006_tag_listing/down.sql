DROP INDEX articles_published_at_idx;
CREATE INDEX articles_published_at_idx ON articles (published_at, id);
DROP TRIGGER articles_give_published_at;
DROP TRIGGER article_tags_take_published_at;
DROP INDEX article_tags_listing_idx;
ALTER TABLE article_tags DROP COLUMN published_at;
