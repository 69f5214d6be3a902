DROP INDEX tag_counts_published_idx;
