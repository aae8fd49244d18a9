-- A tenant whose tables match the metadata in every supported shape: no drift.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
CREATE SCHEMA shop;
CREATE TYPE shop.status AS ENUM ('new', 'paid', 'shipped');
CREATE DOMAIN shop.email AS text CHECK (VALUE LIKE '%@%');
CREATE TYPE shop.money_pair AS (amount numeric, currency char(3));

CREATE FUNCTION pg_temp.id(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;

INSERT INTO selegic.entity (id, slug, schema_name, table_name, primary_key) VALUES
  (pg_temp.id(1), 'customers', 'shop', 'customers', 'id'),
  (pg_temp.id(2), 'orders',    'shop', 'orders',    'order_key'),
  (pg_temp.id(3), 'events',    'shop', 'events',    'id');

INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type,
                           is_nullable, default_expr, is_unique, references_entity, on_delete) VALUES
  (pg_temp.id(101), pg_temp.id(1), 'email', 'email', 'email', 'email', false, NULL, true, NULL, 'no action'),
  (pg_temp.id(102), pg_temp.id(1), 'name', 'name', 'text', 'varchar(200)', false, '''anonymous''', false, NULL, 'no action'),
  (pg_temp.id(103), pg_temp.id(1), 'tags', 'tags', 'tags', 'text[]', true, '''{}''', false, NULL, 'no action'),
  (pg_temp.id(104), pg_temp.id(1), 'vip', 'vip', 'bool', 'boolean', false, 'false', false, NULL, 'no action'),
  (pg_temp.id(105), pg_temp.id(1), 'code', 'code', 'text', 'char(8)', true, NULL, true, NULL, 'no action'),
  (pg_temp.id(201), pg_temp.id(2), 'status', 'status', 'select', 'shop.status', false, '''new''', false, NULL, 'no action'),
  (pg_temp.id(202), pg_temp.id(2), 'total', 'total', 'number', 'numeric(12,2)', false, '0', false, NULL, 'no action'),
  (pg_temp.id(203), pg_temp.id(2), 'customer', 'customer_id', 'relation', 'uuid', false, NULL, false, pg_temp.id(1), 'cascade'),
  (pg_temp.id(204), pg_temp.id(2), 'referrer', 'referrer_id', 'relation', 'uuid', true, NULL, false, pg_temp.id(1), 'set null'),
  (pg_temp.id(205), pg_temp.id(2), 'created', 'created_at', 'date', 'timestamptz', false, 'now()', false, NULL, 'no action'),
  (pg_temp.id(206), pg_temp.id(2), 'price', 'price', 'money', 'money_pair', true, NULL, false, NULL, 'no action'),
  (pg_temp.id(207), pg_temp.id(2), 'seq', 'seq', 'number', 'bigint', false, NULL, true, NULL, 'no action'),
  (pg_temp.id(301), pg_temp.id(3), 'order', 'order_key', 'relation', 'uuid', true, NULL, false, pg_temp.id(2), 'restrict'),
  (pg_temp.id(302), pg_temp.id(3), 'payload', 'payload', 'json', 'jsonb', false, '''{}''::jsonb', false, NULL, 'no action'),
  (pg_temp.id(303), pg_temp.id(3), 'at', 'at', 'date', 'date', true, 'CURRENT_DATE', false, NULL, 'no action'),
  (pg_temp.id(304), pg_temp.id(3), 'score', 'score', 'number', 'double precision', true, '0.5', false, NULL, 'no action'),
  (pg_temp.id(305), pg_temp.id(3), 'parent', 'parent_id', 'relation', 'uuid', true, NULL, false, pg_temp.id(3), 'set default');

CREATE TABLE shop.customers (
  id uuid PRIMARY KEY,
  email shop.email NOT NULL UNIQUE,
  name character varying(200) NOT NULL DEFAULT 'anonymous',
  tags text[] DEFAULT '{}'::text[],
  vip bool NOT NULL DEFAULT false,
  code character(8)
);
-- A unique index (not a constraint) makes a column unique too.
CREATE UNIQUE INDEX customers_code_idx ON shop.customers (code);
CREATE TABLE shop.orders (
  order_key uuid NOT NULL,
  status shop.status NOT NULL DEFAULT 'new'::shop.status,
  total numeric(12,2) NOT NULL DEFAULT 0,
  customer_id uuid NOT NULL REFERENCES shop.customers ON DELETE CASCADE,
  referrer_id uuid REFERENCES shop.customers (id) ON DELETE SET NULL,
  created_at timestamp with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  price shop.money_pair,
  seq int8 NOT NULL,
  CONSTRAINT orders_pk PRIMARY KEY (order_key),
  CONSTRAINT seq_unique UNIQUE (seq)
);
CREATE TABLE shop.events (
  id uuid PRIMARY KEY,
  order_key uuid REFERENCES shop.orders ON DELETE RESTRICT,
  payload jsonb NOT NULL DEFAULT '{}',
  at date DEFAULT CURRENT_DATE,
  score float8 DEFAULT 0.5,
  parent_id uuid REFERENCES shop.events ON DELETE SET DEFAULT
);
-- A partition of a managed table is neither unmanaged nor drift.
CREATE TABLE shop.log (id uuid PRIMARY KEY, at date) PARTITION BY HASH (id);
CREATE TABLE shop.log_0 PARTITION OF shop.log FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE shop.log_1 PARTITION OF shop.log FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES (pg_temp.id(4), 'log', 'shop', 'log');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type) VALUES
  (pg_temp.id(401), pg_temp.id(4), 'at', 'at', 'date', 'date');

SELECT kind, object, expected, actual FROM selegic_drift();

-- Per entity too.
SELECT e.slug, count(d.*) FROM selegic.entity e
LEFT JOIN LATERAL selegic_drift(e.id) d ON true GROUP BY e.slug ORDER BY e.slug;

DROP SCHEMA shop CASCADE;
TRUNCATE selegic.entity CASCADE;
