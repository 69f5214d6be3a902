DROP INDEX articles_featured_idx;
