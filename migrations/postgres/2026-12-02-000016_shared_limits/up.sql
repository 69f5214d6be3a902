-- Rate limits shared by every replica (README "Partner keys"): how much of each limit's
-- clock minute the replicas have claimed between them, a chunk at a time, so that a
-- partner key limited to N requests a minute gets at most N in any clock minute however many
-- replicas answer it. `bucket` names what is limited (`key:<id>`).
CREATE TABLE rate_windows (
    bucket TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    used BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
