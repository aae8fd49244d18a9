-- A repair resolves the manual rows of what it repaired, including the
-- table-level rows that the same manual statement wrote (the rewrite of an
-- ALTER COLUMN TYPE, the index of an ADD COLUMN ... UNIQUE): after it, no
-- unresolved manual row is left for what was repaired, and the rows of
-- other statements wait for a human.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
CREATE SCHEMA rr;
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000001', 't', 'rr', 't');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, is_unique) VALUES
  ('00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000001', 'a', 'a', 'n', 'integer', false),
  ('00000000-0000-0000-0000-000000000012', '00000000-0000-0000-0000-000000000001', 'b', 'b', 'n', 'integer', true);
CREATE TABLE rr.t (id uuid PRIMARY KEY, a integer, b integer UNIQUE);
INSERT INTO rr.t VALUES (gen_random_uuid(), 1, 1);
TRUNCATE selegic.drift_log;
ALTER TABLE rr.t ALTER COLUMN a TYPE bigint;            -- a column row and a rewrite row
CREATE INDEX t_a_idx ON rr.t (a);                       -- another statement, table level
SELECT action, field_id IS NOT NULL AS has_field FROM selegic.drift_log ORDER BY action;
SELECT * FROM selegic_resync('00000000-0000-0000-0000-000000000011');
SELECT action, resolved_at IS NOT NULL AS resolved, resolution FROM selegic.drift_log ORDER BY action;
SELECT unresolved_manual FROM selegic_status();  -- the index, a human's to judge
DROP SCHEMA rr CASCADE;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
