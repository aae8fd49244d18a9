-- One bad entity never blocks the others. Differences PostgreSQL cannot
-- repair in place get fix NULL and the reason in actual; Synchronize All
-- repairs the rest.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
CREATE SCHEMA ur;
-- An inheritance child: its inherited column's type belongs to the parent.
CREATE TABLE ur.parent (id uuid PRIMARY KEY, amount integer);
CREATE TABLE ur.child (note text) INHERITS (ur.parent);
-- A partition: its columns come from the partitioned table.
CREATE TABLE ur.measures (id uuid, at date NOT NULL, v integer) PARTITION BY RANGE (at);
CREATE TABLE ur.measures_2026 PARTITION OF ur.measures FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
-- A column a view uses cannot change type.
CREATE TABLE ur.viewed (id uuid PRIMARY KEY, qty integer);
CREATE VIEW ur.viewed_v AS SELECT qty FROM ur.viewed;
-- An identity column is always NOT NULL and has no default of its own.
CREATE TABLE ur.ident (id uuid PRIMARY KEY, n bigint GENERATED ALWAYS AS IDENTITY);
INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES
  ('00000000-0000-0000-0000-000000000001', 'child', 'ur', 'child'),
  ('00000000-0000-0000-0000-000000000002', 'partition', 'ur', 'measures_2026'),
  ('00000000-0000-0000-0000-000000000003', 'measures', 'ur', 'measures'),
  ('00000000-0000-0000-0000-000000000004', 'viewed', 'ur', 'viewed'),
  ('00000000-0000-0000-0000-000000000005', 'ident', 'ur', 'ident'),
  ('00000000-0000-0000-0000-000000000006', 'fresh', 'ur', 'fresh');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, is_nullable, default_expr, is_unique) VALUES
  ('00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000001', 'amount', 'amount', 'n', 'bigint', true, NULL, false),
  ('00000000-0000-0000-0000-000000000012', '00000000-0000-0000-0000-000000000001', 'note', 'note', 't', 'text', true, NULL, false),
  ('00000000-0000-0000-0000-000000000021', '00000000-0000-0000-0000-000000000002', 'v', 'v', 'n', 'bigint', true, NULL, false),
  ('00000000-0000-0000-0000-000000000022', '00000000-0000-0000-0000-000000000002', 'at', 'at', 'd', 'date', false, NULL, false),
  ('00000000-0000-0000-0000-000000000023', '00000000-0000-0000-0000-000000000002', 'added', 'added', 't', 'text', true, NULL, false),
  ('00000000-0000-0000-0000-000000000031', '00000000-0000-0000-0000-000000000003', 'v', 'v', 'n', 'integer', true, NULL, true),
  ('00000000-0000-0000-0000-000000000032', '00000000-0000-0000-0000-000000000003', 'at', 'at', 'd', 'date', false, NULL, false),
  ('00000000-0000-0000-0000-000000000041', '00000000-0000-0000-0000-000000000004', 'qty', 'qty', 'n', 'bigint', true, NULL, false),
  ('00000000-0000-0000-0000-000000000051', '00000000-0000-0000-0000-000000000005', 'n', 'n', 'n', 'bigint', true, '0', false),
  ('00000000-0000-0000-0000-000000000061', '00000000-0000-0000-0000-000000000006', 'x', 'x', 'n', 'integer', true, NULL, false);
SELECT kind, object, expected, actual, fix FROM selegic_drift() WHERE kind <> 'unmanaged_table';
-- Synchronize All creates the fresh table; nothing it cannot do stops it.
SELECT * FROM selegic_resync_all();
SELECT kind, object, fix IS NULL AS needs_a_human FROM selegic_drift() WHERE kind <> 'unmanaged_table';
DROP SCHEMA ur CASCADE;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
