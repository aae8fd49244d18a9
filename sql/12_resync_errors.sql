-- A repair that cannot succeed raises a clear error (SQLSTATE, DETAIL naming
-- the object and the blocking rows, HINT) and leaves schema and data as they
-- were; the dry run marks the same statements with "-- would fail".
\set VERBOSITY default
\set SHOW_CONTEXT never
TRUNCATE selegic.entity CASCADE;
CREATE SCHEMA re;

CREATE FUNCTION pg_temp.id(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;
INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES (pg_temp.id(1), 't', 're', 't');
CREATE TABLE re.t (id uuid PRIMARY KEY, note text, amount int, code text);
INSERT INTO re.t SELECT pg_temp.id(100 + i), CASE WHEN i <= 3 THEN 'abc' ELSE i::text END,
                        CASE WHEN i <= 2 THEN NULL ELSE i END, 'same'
FROM generate_series(1, 10) i;
CREATE TEMP TABLE t_before AS SELECT * FROM re.t;
CREATE FUNCTION pg_temp.shape() RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || CASE WHEN attnotnull THEN ' not null' ELSE '' END, ', ' ORDER BY attnum)
       || ' | constraints ' || (SELECT count(*) FROM pg_constraint WHERE conrelid = 're.t'::regclass)
  FROM pg_attribute WHERE attrelid = 're.t'::regclass AND attnum > 0 AND NOT attisdropped $$;

INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, is_nullable, is_unique) VALUES
  (pg_temp.id(11), pg_temp.id(1), 'note', 'note', 'number', 'integer', true, false),
  (pg_temp.id(12), pg_temp.id(1), 'amount', 'amount', 'number', 'integer', false, false),
  (pg_temp.id(13), pg_temp.id(1), 'code', 'code', 'text', 'text', true, true),
  (pg_temp.id(14), pg_temp.id(1), 'rank', 'rank', 'number', 'integer', false, false);
SELECT pg_temp.shape();

-- The dry run says which statements would fail, and why, as SQL comments.
SELECT * FROM selegic_resync_all(true);

-- Each failure on its own: a value that does not cast ('abc' cannot become integer)...
SELECT * FROM selegic_resync(pg_temp.id(11));
-- ... NULLs that block SET NOT NULL ...
SELECT * FROM selegic_resync(pg_temp.id(12));
-- ... a duplicate that blocks the unique constraint ...
SELECT * FROM selegic_resync(pg_temp.id(13));
-- ... a NOT NULL field without a default on a table that has rows.
SELECT * FROM selegic_resync(pg_temp.id(14));
-- All or nothing: with a default, the new column is added first, then the
-- type change fails; the added column is rolled back with the rest.
UPDATE selegic.field SET default_expr = '0' WHERE id = pg_temp.id(14);
SELECT * FROM selegic_resync_all(true);
SELECT * FROM selegic_resync_all();
SELECT pg_temp.shape();
SELECT count(*) AS rows, count(*) FILTER (WHERE (t.*)::text = (b.*)::text) AS unchanged
FROM re.t JOIN t_before b USING (id);

-- A narrower type would cut values short: refused before anything runs,
-- where ALTER TABLE would have truncated them silently.
UPDATE selegic.field SET sql_type = 'varchar(2)', is_unique = false WHERE id = pg_temp.id(13);
SELECT * FROM selegic_resync(pg_temp.id(13));
SELECT DISTINCT code FROM re.t;

-- Unknown ids: 42704, naming the id.
\set VERBOSITY terse
SELECT * FROM selegic_resync('99999999-9999-9999-9999-999999999999');
SELECT * FROM selegic_resync_entity('99999999-9999-9999-9999-999999999999');

-- Once the data allows it, the same call succeeds.
UPDATE re.t SET note = '0' WHERE note = 'abc';
UPDATE re.t SET amount = 0 WHERE amount IS NULL;
UPDATE selegic.field SET sql_type = 'text', is_unique = false WHERE id = pg_temp.id(13);
SELECT * FROM selegic_resync_all();
SELECT kind, object FROM selegic_drift();

-- A NULL dry_run is a NULL argument: nothing is returned and nothing runs.
SELECT count(*) FROM selegic_resync_all(NULL);
SELECT count(*) FROM selegic_resync(pg_temp.id(12), NULL);
-- A type no cast reaches (integer to uuid) has no fix: a human decides how.
UPDATE selegic.field SET sql_type = 'uuid' WHERE id = pg_temp.id(12);
SELECT kind, object, expected, actual, fix FROM selegic_drift();
SELECT count(*) FROM selegic_resync_all();

DROP SCHEMA re CASCADE;
TRUNCATE selegic.entity CASCADE;
