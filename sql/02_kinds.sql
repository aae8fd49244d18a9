-- Every drift kind, one scenario each, with the exact expected, actual and fix.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
CREATE SCHEMA kinds;

CREATE FUNCTION pg_temp.id(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;

INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES
  (pg_temp.id(1), 'customers', 'kinds', 'customers'),
  (pg_temp.id(2), 'orders',    'kinds', 'orders'),
  (pg_temp.id(3), 'invoices',  'kinds', 'invoices'),   -- missing_table
  (pg_temp.id(4), 'nokey',     'kinds', 'nokey'),      -- missing_primary_key
  (pg_temp.id(5), 'held',      'kinds', 'held');       -- name held by a view

INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type,
                           is_nullable, default_expr, is_unique, references_entity, on_delete) VALUES
  (pg_temp.id(101), pg_temp.id(1), 'name', 'name', 'text', 'text', false, NULL, false, NULL, 'no action'),
  (pg_temp.id(201), pg_temp.id(2), 'amount', 'amount', 'number', 'bigint', true, NULL, false, NULL, 'no action'),
  (pg_temp.id(202), pg_temp.id(2), 'status', 'status', 'text', 'text', false, NULL, false, NULL, 'no action'),
  (pg_temp.id(203), pg_temp.id(2), 'qty', 'qty', 'number', 'integer', true, '1', false, NULL, 'no action'),
  (pg_temp.id(204), pg_temp.id(2), 'code', 'code', 'text', 'text', true, NULL, true, NULL, 'no action'),
  (pg_temp.id(205), pg_temp.id(2), 'customer', 'customer_id', 'relation', 'uuid', true, NULL, false, pg_temp.id(1), 'cascade'),
  (pg_temp.id(206), pg_temp.id(2), 'shipped', 'shipped_at', 'date', 'timestamptz', true, 'now()', false, NULL, 'no action'),
  (pg_temp.id(207), pg_temp.id(2), 'weight', 'weight', 'number', 'no_such_type', true, NULL, false, NULL, 'no action'),
  (pg_temp.id(301), pg_temp.id(3), 'total', 'total', 'number', 'numeric(12,2)', false, '0', false, NULL, 'no action'),
  (pg_temp.id(302), pg_temp.id(3), 'order', 'order_id', 'relation', 'uuid', true, NULL, false, pg_temp.id(2), 'set null');

CREATE TABLE kinds.customers (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE kinds.orders (
  id uuid PRIMARY KEY,
  amount integer,                                   -- type_mismatch
  status text,                                      -- nullability_mismatch
  qty integer DEFAULT 2,                            -- default_mismatch
  code text,                                        -- unique_mismatch
  customer_id uuid REFERENCES kinds.customers,      -- foreign_key_mismatch (ON DELETE)
  legacy_flag boolean NOT NULL DEFAULT false        -- extra_column
  -- shipped_at: missing_column
);
CREATE TABLE kinds.nokey (id uuid);
CREATE VIEW kinds.held AS SELECT 1 AS one;
CREATE TABLE kinds.stale_orders (id int);          -- unmanaged_table
CREATE TABLE elsewhere_not_managed (id int);       -- not in a managed schema: ignored

\x on
SELECT * FROM selegic_drift();
\x off

DROP TABLE elsewhere_not_managed;
DROP SCHEMA kinds CASCADE;
TRUNCATE selegic.entity CASCADE;
