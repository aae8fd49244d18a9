-- Interrupts are never data: a statement_timeout while selegic_drift()
-- folds a slow default cancels the call (57014); it never becomes a
-- default_mismatch row. The same while a repair counts rows.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
CREATE SCHEMA it;
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000001', 't', 'it', 't');
-- A default that PostgreSQL's own functions take seconds to fold.
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, default_expr) VALUES
  ('00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000001', 'a', 'a', 'n',
   'integer', 'length(factorial(30000)::text)');
CREATE TABLE it.t (id uuid PRIMARY KEY, a integer);
SET statement_timeout = '300ms';
SELECT kind FROM selegic_drift();
\echo :SQLSTATE
SELECT * FROM selegic_resync_all(dry_run => true);
\echo :SQLSTATE
-- The stored default of a column, folded for the comparison, likewise.
RESET statement_timeout;
UPDATE selegic.field SET default_expr = NULL;
ALTER TABLE it.t ALTER COLUMN a SET DEFAULT length(factorial(30000)::text);
SET statement_timeout = '300ms';
SELECT kind FROM selegic_drift();
\echo :SQLSTATE
RESET statement_timeout;
-- lock_timeout while the report waits on a lock is the user's too: it
-- propagates (55P03), it is not a missing table. (The report takes no lock
-- that a reader would wait on; a repair's own lock waits are bounded by
-- selegic.lock_timeout, see 12_resync_errors.)
DROP SCHEMA it CASCADE;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
