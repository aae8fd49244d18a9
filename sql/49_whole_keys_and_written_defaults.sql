-- Foreign keys compare on their whole definition (target, ON DELETE, ON
-- UPDATE, MATCH, deferrability), and a repair replaces a key that differs;
-- a repair writes a default as the metadata spells it (DEFAULT 0 on a
-- numeric(12,2) column reads back as 0, like the API's own DDL).
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
CREATE SCHEMA wk;
CREATE TABLE wk.customers (id uuid PRIMARY KEY);
CREATE TABLE wk.orders (id uuid PRIMARY KEY, a uuid, b uuid, c uuid, d uuid,
                        total numeric(12,2) DEFAULT 0);
ALTER TABLE wk.orders
  ADD CONSTRAINT orders_a_fkey FOREIGN KEY (a) REFERENCES wk.customers ON UPDATE CASCADE,
  ADD CONSTRAINT orders_b_fkey FOREIGN KEY (b) REFERENCES wk.customers DEFERRABLE INITIALLY DEFERRED,
  ADD CONSTRAINT orders_c_fkey FOREIGN KEY (c) REFERENCES wk.customers MATCH FULL,
  ADD CONSTRAINT orders_d_fkey FOREIGN KEY (d) REFERENCES wk.customers ON DELETE CASCADE;
INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES
  ('00000000-0000-0000-0000-000000000001', 'customers', 'wk', 'customers'),
  ('00000000-0000-0000-0000-000000000002', 'orders', 'wk', 'orders');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, references_entity, on_delete, default_expr) VALUES
  ('00000000-0000-0000-0000-000000000021', '00000000-0000-0000-0000-000000000002', 'a', 'a', 'r', 'uuid', '00000000-0000-0000-0000-000000000001', 'no action', NULL),
  ('00000000-0000-0000-0000-000000000022', '00000000-0000-0000-0000-000000000002', 'b', 'b', 'r', 'uuid', '00000000-0000-0000-0000-000000000001', 'no action', NULL),
  ('00000000-0000-0000-0000-000000000023', '00000000-0000-0000-0000-000000000002', 'c', 'c', 'r', 'uuid', '00000000-0000-0000-0000-000000000001', 'no action', NULL),
  ('00000000-0000-0000-0000-000000000024', '00000000-0000-0000-0000-000000000002', 'd', 'd', 'r', 'uuid', '00000000-0000-0000-0000-000000000001', 'cascade', NULL),
  ('00000000-0000-0000-0000-000000000025', '00000000-0000-0000-0000-000000000002', 'total', 'total', 'n', 'numeric(12,2)', NULL, 'no action', '0'),
  ('00000000-0000-0000-0000-000000000026', '00000000-0000-0000-0000-000000000002', 'fee', 'fee', 'n', 'numeric(12,2)', NULL, 'no action', '0');
\x on
SELECT kind, object, expected, actual, fix FROM selegic_drift();
\x off
SELECT * FROM selegic_resync_entity('00000000-0000-0000-0000-000000000002');
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = 'wk.orders'::regclass AND contype = 'f' ORDER BY conname;
-- As the API would have written them: both defaults read 0.
SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
WHERE d.adrelid = 'wk.orders'::regclass ORDER BY 1;
SELECT count(*) AS drift_left FROM selegic_drift();
DROP SCHEMA wk CASCADE;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
