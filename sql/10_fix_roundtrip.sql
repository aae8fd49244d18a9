-- Running every fix brings the tables back to the metadata without losing a
-- row; what is left needs a human.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
CREATE SCHEMA rt;

CREATE FUNCTION pg_temp.id(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;

INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES
  (pg_temp.id(1), 'customers', 'rt', 'customers'),
  (pg_temp.id(2), 'orders', 'rt', 'orders'),
  (pg_temp.id(3), 'notes', 'rt', 'notes'),
  (pg_temp.id(4), 'tags', 'rt', 'tags');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type,
                           is_nullable, default_expr, is_unique, references_entity, on_delete) VALUES
  (pg_temp.id(101), pg_temp.id(1), 'name', 'name', 'text', 'text', false, NULL, false, NULL, 'no action'),
  (pg_temp.id(201), pg_temp.id(2), 'amount', 'amount', 'number', 'bigint', false, '0', false, NULL, 'no action'),
  (pg_temp.id(202), pg_temp.id(2), 'code', 'code', 'text', 'varchar(20)', true, NULL, true, NULL, 'no action'),
  (pg_temp.id(203), pg_temp.id(2), 'customer', 'customer_id', 'relation', 'uuid', true, NULL, false, pg_temp.id(1), 'set null'),
  (pg_temp.id(204), pg_temp.id(2), 'note', 'note', 'text', 'text', true, '''n/a''', false, NULL, 'no action'),
  (pg_temp.id(205), pg_temp.id(2), 'status', 'status', 'text', 'text', true, NULL, false, NULL, 'no action'),
  (pg_temp.id(301), pg_temp.id(3), 'order', 'order_id', 'relation', 'uuid', false, NULL, false, pg_temp.id(2), 'cascade'),
  (pg_temp.id(401), pg_temp.id(4), 'label', 'label', 'text', 'text', false, NULL, true, NULL, 'no action'),
  (pg_temp.id(402), pg_temp.id(4), 'order', 'order_id', 'relation', 'uuid', true, NULL, false, pg_temp.id(2), 'restrict');

CREATE TABLE rt.customers (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE rt.orders (
  id uuid PRIMARY KEY,
  amount integer,                                                          -- type, null, default
  code varchar(10),                                                        -- type, unique
  customer_id uuid REFERENCES rt.customers (id) ON DELETE CASCADE,         -- wrong action
  status text NOT NULL DEFAULT 'new',                                      -- nullability, default
  extra int                                                                -- extra column
  -- note: missing column
);
CREATE TABLE rt.notes (id uuid);                                           -- no key, no order_id
-- rt.tags: missing table
INSERT INTO rt.customers SELECT pg_temp.id(10000 + i), 'c' || i FROM generate_series(1, 50) i;
INSERT INTO rt.orders SELECT pg_temp.id(20000 + i), i, 'k' || i, pg_temp.id(10000 + 1 + i % 50), 's', i
FROM generate_series(1, 1000) i;

CREATE TEMP TABLE before AS
SELECT 'orders' AS t, count(*) AS n, sum(hashtext(o::text)) AS h FROM rt.orders o
UNION ALL SELECT 'customers', count(*), sum(hashtext(c::text)) FROM rt.customers c;

SELECT kind, object FROM selegic_drift();
BEGIN;
-- Table-level repairs first, as a whole-database repair would order them.
SELECT fix FROM selegic_drift() WHERE fix IS NOT NULL
ORDER BY kind NOT IN ('missing_table', 'missing_primary_key'), object, kind \gexec
COMMIT;
SELECT kind, object FROM selegic_drift();

-- Every row is still there with the same values (compared as text).
-- (orders gained a column, so only its count and kept values are compared.)
SELECT b.t, b.n = a.n AS same_count,
       b.h = a.h OR b.t = 'orders' AS same_rows
FROM before b JOIN (
  SELECT 'orders' AS t, count(*) AS n, sum(hashtext(o::text)) AS h FROM rt.orders o
  UNION ALL SELECT 'customers', count(*), sum(hashtext(c::text)) FROM rt.customers c) a USING (t)
ORDER BY 1;
SELECT count(*) FILTER (WHERE amount::text = extra::text) AS amounts_kept,
       pg_typeof(min(amount)) AS amount_type
FROM rt.orders;

DROP SCHEMA rt CASCADE;
TRUNCATE selegic.entity CASCADE;
