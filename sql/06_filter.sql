-- selegic_drift(entity_id): only that entity's rows, checked without
-- scanning the whole catalog; NULL means every entity; unknown ids are errors.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
CREATE SCHEMA flt;

CREATE FUNCTION pg_temp.id(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;

INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES
  (pg_temp.id(1), 'a', 'flt', 'a'),
  (pg_temp.id(2), 'b', 'flt', 'b');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, references_entity) VALUES
  (pg_temp.id(101), pg_temp.id(1), 'x', 'x', 'number', 'integer', NULL),
  (pg_temp.id(201), pg_temp.id(2), 'y', 'y', 'number', 'integer', NULL),
  (pg_temp.id(202), pg_temp.id(2), 'a', 'a_id', 'relation', 'uuid', pg_temp.id(1));
CREATE TABLE flt.a (id uuid PRIMARY KEY);
CREATE TABLE flt.b (id uuid PRIMARY KEY, a_id uuid REFERENCES flt.a);
CREATE TABLE flt.stray (id int);

SELECT kind, entity_id, object FROM selegic_drift();
SELECT kind, entity_id, object FROM selegic_drift(NULL);
-- b's foreign key is checked against a's table although only b is asked for;
-- the unmanaged table belongs to no entity and is not reported here.
SELECT kind, entity_id, object FROM selegic_drift(pg_temp.id(2));
SELECT kind, entity_id, object FROM selegic_drift(entity_id => pg_temp.id(1));

-- Unknown entity: SQLSTATE 42704, naming the id.
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT * FROM selegic_drift('99999999-9999-9999-9999-999999999999');
DO $$
BEGIN
  PERFORM * FROM selegic_drift('99999999-9999-9999-9999-999999999999');
EXCEPTION WHEN undefined_object THEN
  RAISE NOTICE 'caught %', SQLSTATE;
END $$;
\set VERBOSITY terse

DROP SCHEMA flt CASCADE;
TRUNCATE selegic.entity CASCADE;
