-- The same table as on PostgreSQL, where replicas share their rate limits through it. One
-- process serves a SQLite file and counts its limits in memory: it stays empty here, and
-- exists so that both backends have one schema.
CREATE TABLE rate_windows (
    bucket TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    used BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
