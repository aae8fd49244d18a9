-- Types and defaults compare by meaning, not by spelling.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
CREATE SCHEMA sem;

CREATE FUNCTION pg_temp.id(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;
CREATE FUNCTION pg_temp.field(n int, col name, sql_type text, dflt text DEFAULT NULL)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, default_expr)
  VALUES (pg_temp.id(n), pg_temp.id(1), col, col, 'x', sql_type, dflt) $$;

INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES (pg_temp.id(1), 't', 'sem', 't');
CREATE TABLE sem.t (
  id uuid PRIMARY KEY,
  a character varying(255),
  b varchar(255),
  c integer,
  d int4,
  e timestamp with time zone DEFAULT now(),
  f timestamptz DEFAULT CURRENT_TIMESTAMP,
  g integer DEFAULT 0,
  h integer DEFAULT '0'::integer,
  i text DEFAULT 'abc',
  j varchar(10) DEFAULT 'abc'::text,
  k numeric(12,2) DEFAULT 0,
  l bigint DEFAULT 42,
  m text[] DEFAULT '{}',
  n boolean DEFAULT NULL,
  o double precision,
  p interval DEFAULT '1 day',
  q integer
);
-- A function in the entity's schema, found by an unqualified default.
CREATE FUNCTION sem.next_code() RETURNS integer LANGUAGE sql VOLATILE AS 'SELECT 7';
ALTER TABLE sem.t ALTER COLUMN q SET DEFAULT sem.next_code();

SELECT pg_temp.field(101, 'a', 'varchar(255)'),
       pg_temp.field(102, 'b', 'character varying(255)'),
       pg_temp.field(103, 'c', 'int4'),
       pg_temp.field(104, 'd', 'integer'),
       pg_temp.field(105, 'e', 'timestamptz', 'now()'),
       pg_temp.field(106, 'f', 'timestamp with time zone', 'CURRENT_TIMESTAMP'),
       pg_temp.field(107, 'g', 'integer', '''0''::integer'),
       pg_temp.field(108, 'h', 'int', '0'),
       pg_temp.field(109, 'i', 'text', '''abc'''),
       pg_temp.field(110, 'j', 'varchar(10)', '''abc'''),
       pg_temp.field(111, 'k', 'numeric(12, 2)', '0.0'),
       pg_temp.field(112, 'l', 'int8', '40 + 2'),
       pg_temp.field(113, 'm', '_text', '''{}''::text[]'),
       pg_temp.field(114, 'n', 'bool', NULL),
       pg_temp.field(115, 'o', 'float8', 'NULL'),
       pg_temp.field(116, 'p', 'interval', '''1 day''::interval'),
       pg_temp.field(117, 'q', 'integer', 'next_code()');

-- Every spelling above means what the table has: no rows.
SELECT kind, object, expected, actual FROM selegic_drift();

-- Typmods count; so do default values and their absence.
UPDATE selegic.field SET sql_type = 'varchar(100)' WHERE column_name = 'a';
UPDATE selegic.field SET sql_type = 'numeric(14,2)' WHERE column_name = 'k';
UPDATE selegic.field SET default_expr = '1' WHERE column_name = 'g';
UPDATE selegic.field SET default_expr = NULL WHERE column_name = 'h';
UPDATE selegic.field SET default_expr = 'clock_timestamp()' WHERE column_name = 'e';
UPDATE selegic.field SET sql_type = 'timestamp' WHERE column_name = 'f';
-- Equal as values, yet different defaults: '24 hours' and '1 day' differ across DST.
UPDATE selegic.field SET default_expr = '''24 hours''' WHERE column_name = 'p';
SELECT kind, object, expected, actual, fix FROM selegic_drift();

-- The caller's search_path does not change how metadata resolves: an
-- unqualified name means the entity's schema, then public.
CREATE SCHEMA shadow;
CREATE FUNCTION shadow.next_code() RETURNS integer LANGUAGE sql VOLATILE AS 'SELECT 8';
CREATE FUNCTION public.next_code() RETURNS integer LANGUAGE sql VOLATILE AS 'SELECT 9';
SET search_path = shadow, public;
SELECT count(*) FROM selegic_drift() WHERE object = 'sem.t.q';
RESET search_path;
DROP FUNCTION public.next_code();

-- ALTER TYPE re-cooks a default without a collation; it is still the same
-- default, before the type repair and after it.
INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES (pg_temp.id(2), 'v', 'sem', 'v');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, default_expr) VALUES
  (pg_temp.id(201), pg_temp.id(2), 'a', 'a', 'x', 'varchar(22)', '''x'''),
  (pg_temp.id(202), pg_temp.id(2), 'b', 'b', 'x', 'varchar(22)', '''x'''),
  (pg_temp.id(203), pg_temp.id(2), 'c', 'c', 'x', 'text', 'true');
CREATE TABLE sem.v (id uuid PRIMARY KEY, a varchar(5) DEFAULT 'x', b text DEFAULT 'x', c boolean DEFAULT true);
SELECT kind, object FROM selegic_drift(pg_temp.id(2));
SELECT * FROM selegic_resync_entity(pg_temp.id(2));
SELECT kind, object FROM selegic_drift(pg_temp.id(2));
SELECT * FROM selegic_resync_entity(pg_temp.id(2));

DROP SCHEMA shadow CASCADE;
DROP SCHEMA sem CASCADE;
TRUNCATE selegic.entity CASCADE;
