-- pg_dump keeps the metadata rows (extension configuration tables): a dump
-- restored into a new database brings them back.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
INSERT INTO selegic.entity (id, slug, table_name) VALUES
  ('00000000-0000-0000-0000-0000000000d1', 'dumped', 'dumped');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, default_expr) VALUES
  ('00000000-0000-0000-0000-0000000000d2', '00000000-0000-0000-0000-0000000000d1', 'f', 'f', 'text', 'text', '''x''');
SELECT current_database() AS db \gset
\setenv DUMPDB :db
CREATE DATABASE selegic_restored;
\! pg_dump "$DUMPDB" | psql -X -q -v ON_ERROR_STOP=1 -d selegic_restored >/dev/null && echo restored
\c selegic_restored
SELECT id, slug, table_name FROM selegic.entity;
SELECT id, column_name, default_expr FROM selegic.field;
SELECT kind, object FROM selegic_drift();
\c :db
DROP DATABASE selegic_restored;
TRUNCATE selegic.entity CASCADE;
