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
END
$$;
