ALTER INDEX articles_search_idx RESET (fastupdate);
DROP INDEX articles_title_search_idx;
ALTER TABLE articles DROP COLUMN title_search;
