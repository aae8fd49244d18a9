-- A field whose entity row does not exist (a logical replication apply worker
-- can deliver it first) is invalid_metadata, and a repair of it says which
-- field and which entity.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
SET session_replication_role = replica;  -- as the apply worker: no FK check
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type) VALUES
  ('00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000009', 'amount', 'amount', 'n', 'integer');
RESET session_replication_role;
SELECT kind, entity_id, field_id, object, expected, actual, fix FROM selegic_drift();
SELECT * FROM selegic_resync('00000000-0000-0000-0000-000000000011');
\set VERBOSITY default
SELECT * FROM selegic_resync('00000000-0000-0000-0000-000000000011', dry_run => true);
\set VERBOSITY terse
SELECT * FROM selegic_drift('00000000-0000-0000-0000-000000000009');
-- When the entity arrives, the field is an ordinary missing table's field.
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000009', 'late', 'public', 'late_arrival');
SELECT kind, object FROM selegic_drift();
TRUNCATE selegic.entity CASCADE;
