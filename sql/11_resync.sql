-- selegic_resync*: repairs every fixable kind, keeps every row, and a second
-- call runs nothing.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
CREATE SCHEMA rs;

CREATE FUNCTION pg_temp.id(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;

INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES
  (pg_temp.id(1), 'customers', 'rs', 'customers'),
  (pg_temp.id(2), 'orders', 'rs', 'orders'),
  (pg_temp.id(3), 'invoices', 'rs', 'invoices'),
  (pg_temp.id(4), 'nokey', 'rs', 'nokey');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type,
                           is_nullable, default_expr, is_unique, references_entity, on_delete) VALUES
  (pg_temp.id(101), pg_temp.id(1), 'name', 'name', 'text', 'text', false, NULL, false, NULL, 'no action'),
  (pg_temp.id(201), pg_temp.id(2), 'amount', 'amount', 'number', 'bigint', false, '0', false, NULL, 'no action'),
  (pg_temp.id(202), pg_temp.id(2), 'code', 'code', 'text', 'varchar(20)', true, NULL, true, NULL, 'no action'),
  (pg_temp.id(203), pg_temp.id(2), 'customer', 'customer_id', 'relation', 'uuid', true, NULL, false, pg_temp.id(1), 'set null'),
  (pg_temp.id(204), pg_temp.id(2), 'note', 'note', 'text', 'text', true, '''n/a''', false, NULL, 'no action'),
  (pg_temp.id(205), pg_temp.id(2), 'status', 'status', 'text', 'text', true, NULL, false, NULL, 'no action'),
  (pg_temp.id(206), pg_temp.id(2), 'qty', 'qty', 'number', 'integer', false, '1', false, NULL, 'no action'),
  (pg_temp.id(301), pg_temp.id(3), 'order', 'order_id', 'relation', 'uuid', true, NULL, false, pg_temp.id(2), 'cascade'),
  (pg_temp.id(302), pg_temp.id(3), 'total', 'total', 'number', 'numeric(12,2)', false, '0', false, NULL, 'no action');

CREATE TABLE rs.customers (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE rs.orders (
  id uuid PRIMARY KEY,
  amount integer,
  code varchar(10),
  customer_id uuid REFERENCES rs.customers ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'new',
  legacy int
);
CREATE TABLE rs.nokey (id uuid);
INSERT INTO rs.customers SELECT pg_temp.id(10000 + i), 'c' || i FROM generate_series(1, 20) i;
INSERT INTO rs.orders (id, amount, code, customer_id, status, legacy)
SELECT pg_temp.id(20000 + i), i * 1000, 'k' || i, pg_temp.id(10001 + i % 20), 's', i
FROM generate_series(1, 1000) i;
INSERT INTO rs.nokey SELECT pg_temp.id(30000 + i) FROM generate_series(1, 5) i;
CREATE TEMP TABLE orders_before AS SELECT id, amount::text AS amount, code, customer_id, status, legacy FROM rs.orders;

-- The dry run changes nothing and shows the whole script, in phase order.
SELECT * FROM selegic_resync_all(dry_run => true);
SELECT count(*) AS drift_rows_unchanged FROM selegic_drift();

-- One field.
SELECT * FROM selegic_resync(pg_temp.id(206));
SELECT * FROM selegic_resync(pg_temp.id(206));
-- One entity.
SELECT * FROM selegic_resync_entity(pg_temp.id(4));
-- Everything else (Synchronize All), then nothing left to do.
SELECT * FROM selegic_resync_all();
SELECT * FROM selegic_resync_all();
SELECT kind, object FROM selegic_drift();

-- 1,000 rows went from integer to bigint with the same values.
SELECT pg_typeof(o.amount) AS type, count(*) AS rows,
       count(*) FILTER (WHERE o.amount::text = b.amount AND o.code = b.code
                        AND o.customer_id = b.customer_id AND o.status = b.status
                        AND o.legacy = b.legacy) AS unchanged
FROM rs.orders o JOIN orders_before b USING (id) GROUP BY 1;
SELECT count(*) AS nokey_rows FROM rs.nokey;

-- NULL ids repair nothing.
SELECT count(*) FROM selegic_resync(NULL);
SELECT count(*) FROM selegic_resync_entity(NULL);

DROP SCHEMA rs CASCADE;
TRUNCATE selegic.entity CASCADE;
