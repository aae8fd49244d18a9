-- A statement's events (table_rewrite, sql_drop, ddl_command_end) are
-- recorded as that statement's rows, written together: a rewrite seen by a
-- statement that then fails is never attributed to the next statement, in a
-- savepoint or a PL/pgSQL exception block, and every row of one statement
-- carries its start time.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
CREATE SCHEMA cs;
CREATE TABLE cs.t (id uuid PRIMARY KEY, a integer, b integer);
INSERT INTO cs.t VALUES (gen_random_uuid(), 1, 1);
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000001', 't', 'cs', 't');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type) VALUES
  ('00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000001', 'a', 'a', 'n', 'integer'),
  ('00000000-0000-0000-0000-000000000012', '00000000-0000-0000-0000-000000000001', 'b', 'b', 'n', 'integer');
-- A type change: its column row and its rewrite row, one statement.
ALTER TABLE cs.t ALTER COLUMN a TYPE bigint;
SELECT action, right(field_id::text, 2) AS field, count(DISTINCT occurred_at) AS starts
FROM selegic.drift_log GROUP BY action, field_id ORDER BY action;
TRUNCATE selegic.drift_log;
-- The rewrite fires, then the statement fails: rolled back to the savepoint,
-- the next statement has no rewrite row.
BEGIN;
SAVEPOINT s;
ALTER TABLE cs.t ALTER COLUMN b TYPE bigint USING (b / 0);
ROLLBACK TO SAVEPOINT s;
ALTER TABLE cs.t ALTER COLUMN b SET DEFAULT 5;
COMMIT;
SELECT action FROM selegic.drift_log ORDER BY action;
TRUNCATE selegic.drift_log;
-- The same in a PL/pgSQL exception block.
DO $$
BEGIN
  BEGIN
    ALTER TABLE cs.t ALTER COLUMN b TYPE bigint USING (b / 0);
  EXCEPTION WHEN division_by_zero THEN
    NULL;
  END;
  ALTER TABLE cs.t ALTER COLUMN b DROP DEFAULT;
END $$;
SELECT action FROM selegic.drift_log ORDER BY action;
TRUNCATE selegic.drift_log;
-- Drops alone: recorded by sql_drop, once.
ALTER TABLE cs.t DROP COLUMN b;
SELECT action, object_identity FROM selegic.drift_log ORDER BY action;
TRUNCATE selegic.drift_log;
-- Under block the rewrite is refused before the table is rewritten.
SET selegic.manual_ddl = block;
ALTER TABLE cs.t ALTER COLUMN a TYPE integer;
RESET selegic.manual_ddl;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'cs.t'::regclass AND attname = 'a';
DROP SCHEMA cs CASCADE;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
