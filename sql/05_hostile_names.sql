-- Hostile identifiers: every name is quoted where PostgreSQL needs it, in
-- object and in fix, and the fixes run as written.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
CREATE SCHEMA "Sales ""EU""";

CREATE FUNCTION pg_temp.id(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;

INSERT INTO selegic.entity (id, slug, schema_name, table_name, primary_key) VALUES
  (pg_temp.id(1), 'items', 'Sales "EU"', 'Order Items', 'Key'),
  (pg_temp.id(2), 'select', 'Sales "EU"', 'select', 'id'),
  (pg_temp.id(3), 'unicode', 'Sales "EU"', 'Bestellungen_äöü', 'id');

INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type,
                           is_nullable, default_expr, is_unique, references_entity, on_delete) VALUES
  (pg_temp.id(101), pg_temp.id(1), 'sel', 'select', 'text', 'text', true, NULL, true, NULL, 'no action'),
  (pg_temp.id(102), pg_temp.id(1), 'evil', 'x"; DROP TABLE t; --', 'text', 'integer', true, '0', false, NULL, 'no action'),
  (pg_temp.id(103), pg_temp.id(1), 'mixed', 'MixedCase', 'text', 'text', false, NULL, false, NULL, 'no action'),
  (pg_temp.id(104), pg_temp.id(1), 'space', 'with space', 'relation', 'uuid', true, NULL, false, pg_temp.id(2), 'cascade'),
  (pg_temp.id(105), pg_temp.id(1), 'uni', 'größe', 'number', 'numeric(5,1)', true, NULL, false, NULL, 'no action'),
  (pg_temp.id(201), pg_temp.id(2), 'from', 'from', 'text', 'text', true, '''it''''s''', false, NULL, 'no action'),
  (pg_temp.id(301), pg_temp.id(3), 'ok', 'ok', 'text', 'text', true, NULL, false, NULL, 'no action');

-- Only the first table exists, with its key and none of its fields.
CREATE TABLE "Sales ""EU"""."Order Items" ("Key" uuid PRIMARY KEY);

SELECT kind, object, expected, fix FROM selegic_drift();

-- The fixes are runnable SQL: apply them, and the drift is gone.
SELECT fix FROM selegic_drift() WHERE fix IS NOT NULL ORDER BY kind = 'missing_table' DESC, object \gexec
SELECT kind, object FROM selegic_drift();
SELECT attname FROM pg_attribute
WHERE attrelid = '"Sales ""EU"""."Order Items"'::regclass AND attnum > 0 ORDER BY attnum;
-- The evil column name stayed a name: nothing was dropped.
SELECT count(*) AS tables_left FROM pg_tables WHERE schemaname = 'Sales "EU"';

DROP SCHEMA "Sales ""EU""" CASCADE;
TRUNCATE selegic.entity CASCADE;
