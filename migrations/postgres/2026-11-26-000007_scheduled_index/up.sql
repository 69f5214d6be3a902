-- When the next scheduled article is due, from a small index of the scheduled ones: read by
-- every response-cache refresh and every remembered list count.
CREATE INDEX articles_scheduled_idx ON articles (published_at) WHERE status = 'scheduled';
