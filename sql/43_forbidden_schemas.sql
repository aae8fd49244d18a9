-- Forbidden schemas: the extension's own (selegic), PostgreSQL's (pg_catalog,
-- information_schema, every pg_*). An entity there is one invalid_metadata
-- row; its fields add none; the schema never becomes managed (no
-- unmanaged_table, no extra_column of the extension's tables); no repair
-- touches it. selegic_preflight() says the same.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
CREATE SCHEMA fs;
CREATE TABLE fs.ok (id uuid PRIMARY KEY);
INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES
  ('00000000-0000-0000-0000-000000000001', 'log', 'selegic', 'drift_log'),
  ('00000000-0000-0000-0000-000000000002', 'pgx', 'pg_x', 'things'),
  ('00000000-0000-0000-0000-000000000003', 'cat', 'pg_catalog', 'pg_class'),
  ('00000000-0000-0000-0000-000000000004', 'info', 'information_schema', 'tables'),
  ('00000000-0000-0000-0000-000000000005', 'ok', 'fs', 'ok'),
  ('00000000-0000-0000-0000-000000000006', 'missing', 'fs', 'missing');
-- A metadata writer asks for a unique constraint on the log's action.
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, is_unique) VALUES
  ('00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000001', 'action', 'action', 't', 'text', true),
  ('00000000-0000-0000-0000-000000000012', '00000000-0000-0000-0000-000000000002', 'x', 'x', 'n', 'integer', false);
SELECT kind, object, expected, actual, fix IS NOT NULL AS has_fix FROM selegic_drift();
-- Synchronize All repairs what it may (the missing table) and nothing else.
SELECT * FROM selegic_resync_all();
SELECT count(*) AS constraints_on_log FROM pg_constraint
WHERE conrelid = 'selegic.drift_log'::regclass AND contype = 'u';
SELECT kind, object FROM selegic_drift() WHERE kind <> 'invalid_metadata';
-- One rule, in SQL too.
SELECT s, selegic.forbidden_schema(s) FROM unnest(ARRAY['selegic', 'pg_x', 'pg_toast', 'information_schema', 'public', 'pgx']::name[]) AS s;
SELECT problem, detail FROM selegic_preflight('selegic', 'anything');
SELECT problem, detail FROM selegic_preflight('pg_x', 'anything');
DROP SCHEMA fs CASCADE;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
