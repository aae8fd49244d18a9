-- What CREATE EXTENSION puts in place (pg_regress loads the extension).
\set VERBOSITY terse

-- The schema and its two metadata tables, with the SPEC's columns.
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = 'selegic' AND c.relkind = 'r'
ORDER BY c.relname, a.attnum;

-- Registered for pg_dump.
SELECT unnest(extconfig)::regclass AS config_table FROM pg_extension
WHERE extname = 'selegic_drift' ORDER BY 1;

-- Every function: in the install schema, commented, search_path pinned (the
-- event trigger functions pin theirs in C, see 47_capture_search_path).
SELECT p.oid::regprocedure AS function, n.nspname,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented,
       p.proconfig
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'selegic_drift'
ORDER BY 1;

-- An empty database has no drift.
SELECT count(*) FROM selegic_drift();

-- The on_delete vocabulary is checked.
INSERT INTO selegic.entity (id, slug, table_name) VALUES ('00000000-0000-0000-0000-000000000001', 'a', 'a');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, on_delete)
VALUES ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000001', 'x', 'x', 'text', 'text', 'explode');
TRUNCATE selegic.entity CASCADE;
