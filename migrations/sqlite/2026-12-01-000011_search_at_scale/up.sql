-- Search at scale (see `search/sqlite.rs`). Whether a match is live is read from this index
-- instead of the table, whose rows hold whole bodies before `status` and `published_at` (each
-- look would follow a chain of overflow pages). The PostgreSQL migration of the same name
-- gives titles a vector and an index of their own.
CREATE INDEX articles_search_live_idx ON articles (id, status, published_at);
