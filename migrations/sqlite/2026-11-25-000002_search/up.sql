-- Full-text search over title, excerpt and body. An FTS5 index over the articles table kept
-- by triggers; bm25() ranks with the title weighted highest. The PostgreSQL migration of the
-- same name does the same with a tsvector column and a GIN index.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title,
    excerpt,
    plaintext,
    content = 'articles',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO articles_fts (rowid, title, excerpt, plaintext)
SELECT id, title, excerpt, plaintext FROM articles;

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, excerpt, plaintext)
    VALUES (new.id, new.title, new.excerpt, new.plaintext);
END;

CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, excerpt, plaintext)
    VALUES ('delete', old.id, old.title, old.excerpt, old.plaintext);
END;

CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, excerpt, plaintext ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, excerpt, plaintext)
    VALUES ('delete', old.id, old.title, old.excerpt, old.plaintext);
    INSERT INTO articles_fts (rowid, title, excerpt, plaintext)
    VALUES (new.id, new.title, new.excerpt, new.plaintext);
END;
