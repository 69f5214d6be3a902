-- The queries that can scan call broadsheet_deadline() first in their WHERE clause. On SQLite
-- the server defines it on each connection and it ends a statement past its request's
-- deadline; here it is a constant (the planner inlines it to nothing), and PostgreSQL's own
-- statement_timeout ends long statements.
CREATE FUNCTION broadsheet_deadline() RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS 'SELECT true';
