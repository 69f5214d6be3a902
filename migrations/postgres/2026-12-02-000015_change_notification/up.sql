-- Every content change is also announced, when its transaction commits, on a channel of the
-- schema (`broadsheet_content:` and the md5 of its name, which keeps any schema's channel within
-- the 63 bytes a channel name may have), so that every replica's response cache hears of it at
-- once (`LISTEN`, see crates/persistence/src/listen.rs) rather than at its next poll. The
-- payload is empty: a transaction's many changes reach a listener as one notification.
CREATE OR REPLACE FUNCTION record_content_change(keys TEXT[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v BIGINT;
BEGIN
    UPDATE content_version SET version = version + 1 WHERE id = 1 RETURNING version INTO v;
    INSERT INTO content_changes (version, key)
        SELECT DISTINCT v, k FROM unnest(keys) AS k WHERE k IS NOT NULL;
    IF v % 1024 = 0 THEN
        DELETE FROM content_changes WHERE version <= v - 8192;
        UPDATE content_version SET pruned = greatest(pruned, v - 8192) WHERE id = 1;
    END IF;
    PERFORM pg_notify('broadsheet_content:' || md5(current_schema()), '');
END
$$;
