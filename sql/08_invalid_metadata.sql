-- Metadata that cannot be realised becomes invalid_metadata rows; the rest of
-- the report still comes out, and nothing in it is executed.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
CREATE SCHEMA inv;
CREATE TABLE inv.victim (id int);  -- must survive every injection attempt below

CREATE FUNCTION pg_temp.id(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;

INSERT INTO selegic.entity (id, slug, schema_name, table_name, primary_key) VALUES
  (pg_temp.id(1), 'ok', 'inv', 'ok', 'id'),
  (pg_temp.id(2), 'catalog', 'pg_catalog', 'pg_class', 'oid'),
  (pg_temp.id(3), 'infoschema', 'information_schema', 'tables', 'id'),
  (pg_temp.id(4), 'toast', 'pg_toast', 'x', 'id'),
  (pg_temp.id(5), 'empty', 'inv', '', 'id'),
  (pg_temp.id(6), 'nokeyname', 'inv', 'k', '');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type,
                           default_expr, references_entity) VALUES
  (pg_temp.id(101), pg_temp.id(1), 'a', 'a', 'x', 'no_such_type', NULL, NULL),
  (pg_temp.id(102), pg_temp.id(1), 'b', 'b', 'x', '', NULL, NULL),
  (pg_temp.id(103), pg_temp.id(1), 'c', 'c', 'x', 'integer; DROP TABLE inv.victim', NULL, NULL),
  (pg_temp.id(104), pg_temp.id(1), 'd', 'd', 'x', 'integer', '0; DROP TABLE inv.victim', NULL),
  (pg_temp.id(105), pg_temp.id(1), 'e', 'e', 'x', 'integer', '1 +', NULL),
  (pg_temp.id(106), pg_temp.id(1), 'f', 'f', 'x', 'integer', '''abc''', NULL),
  (pg_temp.id(107), pg_temp.id(1), 'g', 'g', 'x', 'integer', '(SELECT 1)', NULL),
  (pg_temp.id(108), pg_temp.id(1), 'h', 'h', 'x', 'integer', 'generate_series(1, 2)', NULL),
  (pg_temp.id(109), pg_temp.id(1), 'i', 'i', 'x', 'integer', 'a + 1', NULL),
  (pg_temp.id(110), pg_temp.id(1), 'j', 'j', 'x', 'record', NULL, NULL),
  (pg_temp.id(111), pg_temp.id(1), 'k', 'k', 'x', 'serial', NULL, NULL),
  (pg_temp.id(112), pg_temp.id(1), 'l', 'l', 'x', 'integer', '1 FROM inv.victim', NULL),
  (pg_temp.id(113), pg_temp.id(1), 'm', 'm', 'x', 'integer', '', NULL),
  (pg_temp.id(114), pg_temp.id(1), 'n', 'n', 'x', 'text', 'pg_sleep(1)::text', NULL),
  (pg_temp.id(115), pg_temp.id(1), 'o', 'o', 'x', 'uuid', NULL, pg_temp.id(2)),
  (pg_temp.id(116), pg_temp.id(1), 'p', 'p', 'x', 'integer', NULL, pg_temp.id(1)),
  (pg_temp.id(117), pg_temp.id(1), 'id', 'id', 'x', 'uuid', NULL, NULL),
  (pg_temp.id(118), pg_temp.id(1), 'q', '', 'x', 'integer', NULL, NULL),
  (pg_temp.id(201), pg_temp.id(2), 'x', 'x', 'x', 'integer', NULL, NULL);
CREATE TABLE inv.ok (id uuid PRIMARY KEY, good integer);
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, is_nullable)
VALUES (pg_temp.id(119), pg_temp.id(1), 'good', 'good', 'x', 'int', false);

SELECT kind, object, expected, actual, fix FROM selegic_drift();
-- The same, asked for the one entity.
SELECT count(*) FROM selegic_drift(pg_temp.id(1));
SELECT count(*) AS victim_still_there FROM pg_class WHERE oid = 'inv.victim'::regclass;

DROP SCHEMA inv CASCADE;
TRUNCATE selegic.entity CASCADE;
