-- PostgreSQL announces each content change to listening replicas (LISTEN/NOTIFY). SQLite has
-- no such channel: one process serves a SQLite file, and other writers are seen at its next
-- poll. Nothing to change; the migration keeps both backends' histories alike.
SELECT 1;
