-- Nothing to store: on SQLite, broadsheet_deadline() is defined by the server on each
-- connection it opens (see crates/persistence/src/db/deadline.rs). The PostgreSQL migration
-- of the same name defines it there.
SELECT 1;
