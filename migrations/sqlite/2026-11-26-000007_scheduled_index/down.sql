DROP INDEX articles_scheduled_idx;
