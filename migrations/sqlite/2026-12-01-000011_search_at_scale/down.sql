DROP INDEX articles_search_live_idx;
