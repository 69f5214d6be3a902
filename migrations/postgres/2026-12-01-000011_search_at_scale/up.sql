-- Search at scale (see `search/postgres.rs`). Titles get a vector of their own, small enough
-- to stay in the row, with its own GIN index: the title tier ("the title holds every word")
-- is read from it without opening each article's whole vector. The SQLite migration of the
-- same name gives FTS5's joins a covering index instead.
ALTER TABLE articles ADD COLUMN title_search tsvector
    GENERATED ALWAYS AS (to_tsvector('english', title)) STORED;

-- Without the pending list: with `fastupdate` on, every search reads the whole list of
-- entries not yet merged (up to 4 MB), which a newsroom's steady writes keep full.
CREATE INDEX articles_title_search_idx ON articles USING GIN (title_search)
    WITH (fastupdate = off);
ALTER INDEX articles_search_idx SET (fastupdate = off);
SELECT gin_clean_pending_list('articles_search_idx'::regclass);
