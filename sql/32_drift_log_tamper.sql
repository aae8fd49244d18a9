-- Ordinary roles cannot write the log, switch the capture off, or resolve
-- rows; a human with the grant resolves one row with selegic_acknowledge().
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
CREATE ROLE regress_plain LOGIN;
CREATE SCHEMA tp;
GRANT USAGE, CREATE ON SCHEMA tp TO regress_plain;
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000001', 't', 'tp', 't');
CREATE TABLE tp.t (id uuid PRIMARY KEY);
ALTER TABLE tp.t OWNER TO regress_plain;
SELECT id AS row_id FROM selegic.drift_log LIMIT 1 \gset

SET ROLE regress_plain;
-- The table owner's own DDL is recorded all the same.
ALTER TABLE tp.t ADD COLUMN mine int;
SELECT count(*) AS rows_visible FROM selegic.drift_log;
INSERT INTO selegic.drift_log (occurred_at, origin, command_tag) VALUES (now(), 'api', 'FAKE');
UPDATE selegic.drift_log SET resolved_at = now();
DELETE FROM selegic.drift_log;
TRUNCATE selegic.drift_log;
ALTER EVENT TRIGGER selegic_ddl_command_end DISABLE;
DROP EVENT TRIGGER selegic_sql_drop;
ALTER TABLE selegic.field DISABLE TRIGGER field_changed;
SET session_replication_role = replica;
SELECT selegic_acknowledge(:'row_id', 'nothing to see');
DELETE FROM selegic.field;
RESET ROLE;
SELECT count(*) AS rows_kept, count(*) FILTER (WHERE resolved_at IS NULL) AS unresolved
FROM selegic.drift_log;
SELECT healthy, problems FROM selegic_status();

-- A superuser (or a role granted EXECUTE) acknowledges one row.
SELECT selegic_acknowledge(:'row_id', 'expected: created by the migration');
SELECT resolution FROM selegic.drift_log WHERE id = :'row_id';
DO $$
BEGIN
  PERFORM selegic_acknowledge((SELECT id FROM selegic.drift_log WHERE resolved_at IS NOT NULL), 'again');
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'SQLSTATE %: %', SQLSTATE, regexp_replace(SQLERRM, '"[^"]*"', '"..."');
END $$;
SELECT selegic_acknowledge('99999999-9999-9999-9999-999999999999', 'x');
SELECT selegic_acknowledge(NULL, 'x');

DROP SCHEMA tp CASCADE;
DROP ROLE regress_plain;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
