-- Full-text search over title, excerpt and body: a generated tsvector (title weighted A,
-- excerpt B, body C) and a GIN index; ts_rank ranks. The SQLite migration of the same name
-- does the same with FTS5. Only the first 200,000 characters of a body are indexed, which
-- keeps every tsvector under PostgreSQL's 1 MB limit.
ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A')
    || setweight(to_tsvector('english', excerpt), 'B')
    || setweight(to_tsvector('english', left(plaintext, 200000)), 'C')
) STORED;

CREATE INDEX articles_search_idx ON articles USING GIN (search);
