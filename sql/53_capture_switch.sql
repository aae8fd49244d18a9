-- selegic.capture: superusers only (like pgaudit.log = none). off makes the
-- event triggers do nothing in that session, under any manual_ddl: what a
-- restore uses. What is changed meanwhile is still drift: the watch finds it.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log, selegic.drift_state, selegic.watch_run;
CREATE SCHEMA cp;
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000001', 'orders', 'cp', 'orders');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type)
VALUES ('00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000001', 'amount', 'amount', 'n', 'integer');
CREATE TABLE cp.orders (id uuid PRIMARY KEY, amount integer);
TRUNCATE selegic.drift_log;
SHOW selegic.capture;

-- An ordinary role cannot switch it off, in any way.
CREATE ROLE regress_capture_plain;
SET ROLE regress_capture_plain;
SET selegic.capture = off;
\echo :SQLSTATE
SELECT set_config('selegic.capture', 'off', false);
\echo :SQLSTATE
ALTER ROLE regress_capture_plain SET selegic.capture = off;
\echo :SQLSTATE
SHOW selegic.capture;
RESET ROLE;
SELECT count(*) AS role_settings FROM pg_db_role_setting WHERE setrole = 'regress_capture_plain'::regrole;
DROP ROLE regress_capture_plain;

-- Off: no row, no warning, no refusal, even under block.
SET selegic.capture = off;
SET selegic.manual_ddl = block;
ALTER TABLE cp.orders ALTER COLUMN amount TYPE bigint;
CREATE INDEX orders_amount_idx ON cp.orders (amount);
SET selegic.manual_ddl = warn;
ALTER TABLE cp.orders ADD COLUMN extra int;
SELECT count(*) AS logged FROM selegic.drift_log;

-- On again: recorded (and warned about) as usual.
RESET selegic.capture;
ALTER TABLE cp.orders DROP COLUMN extra;
RESET selegic.manual_ddl;
SELECT command_tag, action, object_identity FROM selegic.drift_log;

-- The type change made unseen is drift all the same: the watch reports it.
SELECT * FROM selegic_watch();
SELECT kind, object, expected, actual FROM selegic.drift_state;

DROP SCHEMA cp CASCADE;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log, selegic.drift_state, selegic.watch_run;
