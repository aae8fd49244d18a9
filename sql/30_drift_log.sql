-- The event triggers record DDL on managed objects, one row per ALTER TABLE
-- sub-command, with the field resolved; DDL elsewhere is not recorded.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
CREATE SCHEMA dl;

INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000001', 'orders', 'dl', 'orders');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type) VALUES
  ('00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000001', 'amount', 'amount', 'n', 'integer'),
  ('00000000-0000-0000-0000-000000000012', '00000000-0000-0000-0000-000000000001', 'note', 'note', 't', 'text');

CREATE TABLE dl.orders (id uuid PRIMARY KEY, amount integer, note text);
ALTER TABLE dl.orders ADD COLUMN extra int, ALTER COLUMN amount TYPE bigint,
  ALTER COLUMN note SET NOT NULL, ALTER COLUMN note SET DEFAULT 'x';
ALTER TABLE dl.orders RENAME COLUMN note TO remark;
ALTER TABLE dl.orders DROP COLUMN extra;
CREATE INDEX orders_amount_idx ON dl.orders (amount);
CREATE VIEW dl.orders_view AS SELECT id FROM dl.orders;   -- a relation in a managed schema
COMMENT ON TABLE dl.orders IS 'touched';
ALTER TABLE dl.orders ALTER COLUMN remark DROP DEFAULT;   -- one row, not two
COMMENT ON COLUMN dl.orders.amount IS 'the total';        -- names the field
-- Functions and types in a managed schema are not relations: not recorded.
CREATE FUNCTION dl.helper() RETURNS int LANGUAGE sql AS 'SELECT 1';
DROP FUNCTION dl.helper();
-- Elsewhere: not recorded.
CREATE TABLE public.not_managed (x int);
ALTER TABLE public.not_managed ADD COLUMN y int;
DROP TABLE public.not_managed;

SELECT origin, command_tag, action, object_identity,
       right(entity_id::text, 2) AS entity, right(field_id::text, 2) AS field,
       old_name, new_name, session_user_name, current_user_name,
       backend_pid = pg_backend_pid() AS this_backend,
       transaction_id IS NOT NULL AS has_xid, database_name = current_database() AS this_db,
       resolved_at IS NULL AS unresolved
FROM selegic.drift_log
ORDER BY occurred_at, command_tag, action NULLS FIRST, object_identity;

-- The query is the statement as the client sent it.
SELECT query FROM selegic.drift_log WHERE action = 'rename column';

-- A rolled-back DDL leaves no row.
BEGIN;
ALTER TABLE dl.orders ADD COLUMN ghost int;
ROLLBACK;
SELECT count(*) AS ghost_rows FROM selegic.drift_log WHERE query LIKE '%ghost%';

-- Dropping the table is one row (its indexes and view go with it unrecorded).
DROP TABLE dl.orders CASCADE;
SELECT command_tag, action, object_identity, right(entity_id::text, 2) AS entity
FROM selegic.drift_log WHERE command_tag = 'DROP TABLE' ORDER BY object_identity;

DROP SCHEMA dl CASCADE;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
