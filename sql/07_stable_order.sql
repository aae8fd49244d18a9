-- Output is ordered by object then kind, and identical run to run whatever
-- order the metadata was written in.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
CREATE SCHEMA ord;

CREATE FUNCTION pg_temp.id(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;

-- Entities and fields inserted in scrambled order.
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
SELECT pg_temp.id(n), 't' || n, 'ord', 't' || ((n * 7) % 10) FROM generate_series(1, 10) n;
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, is_nullable, is_unique)
SELECT pg_temp.id(1000 + n * 10 + f), pg_temp.id(n), 'c' || f, 'c' || ((f * 3) % 5), 'x',
       CASE WHEN f % 2 = 0 THEN 'bigint' ELSE 'text' END, f % 3 <> 0, f = 4
FROM generate_series(1, 10) n, generate_series(0, 4) f;
-- Half the tables exist, each with every column as integer NULL.
DO $$
BEGIN
  FOR i IN 0..9 BY 2 LOOP
    EXECUTE format('CREATE TABLE ord.%I (id uuid PRIMARY KEY, c0 int, c1 int, c2 int, c3 int, c4 int, zz int)', 't' || i);
  END LOOP;
END $$;

CREATE TEMP TABLE run1 AS SELECT row_number() OVER () AS n, * FROM selegic_drift();
CREATE TEMP TABLE run2 AS SELECT row_number() OVER () AS n, * FROM selegic_drift();
SELECT count(*) AS rows, count(*) FILTER (WHERE r1 IS DISTINCT FROM r2) AS differing
FROM (SELECT r1, r2 FROM run1 r1 FULL JOIN run2 r2 USING (n)) s;
-- The function's own order is the documented one.
SELECT count(*) AS out_of_order FROM (
  SELECT n, object, kind, lag(object) OVER (ORDER BY n) AS prev_object,
         lag(kind) OVER (ORDER BY n) AS prev_kind FROM run1) s
WHERE (prev_object COLLATE "C", prev_kind COLLATE "C") > (object COLLATE "C", kind COLLATE "C");
SELECT n, kind, object FROM run1 ORDER BY n LIMIT 12;

DROP SCHEMA ord CASCADE;
TRUNCATE selegic.entity CASCADE;
