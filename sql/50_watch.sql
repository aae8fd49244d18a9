-- selegic_watch(): what appeared and what went away since the last call, in
-- selegic.drift_state. A call that finds nothing new leaves drift_state as it
-- was. (The notifications are checked by the isolation spec watch_concurrent,
-- whose output names sessions instead of process ids.)
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log, selegic.drift_state, selegic.watch_run;
CREATE SCHEMA wt;
CREATE FUNCTION pg_temp.id(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;
INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES (pg_temp.id(1), 'orders', 'wt', 'orders');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type)
VALUES (pg_temp.id(11), pg_temp.id(1), 'amount', 'amount', 'number', 'integer');
CREATE TABLE wt.orders (id uuid PRIMARY KEY, amount integer);

-- Before the first watch the status knows no open drift and no time.
SELECT open_drift, last_watch_at FROM selegic_status();
-- Nothing to find: no row, but the watch is on record.
SELECT * FROM selegic_watch();
SELECT count(*) AS rows FROM selegic.drift_state;
SELECT open_drift, last_watch_at = (SELECT last_watch_at FROM selegic.watch_run) AS last_watch
FROM selegic_status();

-- Runbook problem 2: a field saved whose column was never created.
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, default_expr)
VALUES (pg_temp.id(12), pg_temp.id(1), 'note', 'note', 'text', 'text', '''none''');
SELECT * FROM selegic_watch();
SELECT kind, object, entity_id, field_id, expected, actual, resolved_at, waived_until
FROM selegic.drift_state;
SELECT s.first_seen = w.last_watch_at AS first_seen, s.last_seen = w.last_watch_at AS last_seen,
       w.last_change_at = w.last_watch_at AS changed
FROM selegic.drift_state s, selegic.watch_run w;
SELECT open_drift FROM selegic_status();

-- A quiet call: the same row versions in drift_state; only the watch's own
-- time moves.
CREATE TEMP TABLE state_before AS SELECT s.ctid AS tid, s.xmin::text AS x, s.* FROM selegic.drift_state s;
CREATE TEMP TABLE watch_before AS SELECT * FROM selegic.watch_run;
SELECT * FROM selegic_watch();
SELECT count(*) AS untouched FROM selegic.drift_state s
JOIN state_before b ON b.tid = s.ctid AND b.x = s.xmin::text;
SELECT w.last_watch_at > b.last_watch_at AS watched_later, w.last_change_at = b.last_change_at AS no_change
FROM selegic.watch_run w, watch_before b;

-- A difference is its kind and object: when its values change (the field's
-- type here) the same row follows them, and nothing appears.
UPDATE selegic.field SET sql_type = 'varchar(20)' WHERE id = pg_temp.id(12);
SELECT * FROM selegic_watch();
SELECT kind, object, s.expected, s.id = b.id AS same_row, s.first_seen = b.first_seen AS same_first_seen,
       s.last_seen > b.last_seen AS seen_again
FROM selegic.drift_state s JOIN state_before b USING (kind, object);

-- Rows of one kind and object are one difference, their values one per line:
-- a relation field with a type that is not uuid and a default that does not
-- parse is two invalid_metadata rows of one column.
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, default_expr, references_entity)
VALUES (pg_temp.id(13), pg_temp.id(1), 'parent', 'parent', 'relation', 'integer', 'nope(', pg_temp.id(1));
SELECT kind, object, expected, actual FROM selegic_drift() WHERE field_id = pg_temp.id(13);
SELECT * FROM selegic_watch();
SELECT kind, object, expected, actual FROM selegic.drift_state WHERE field_id = pg_temp.id(13) ORDER BY kind;

-- Repaired or removed: resolved. last_seen is then the last watch that saw
-- the difference, resolved_at the watch that found it gone.
DELETE FROM selegic.field WHERE id = pg_temp.id(13);
SELECT * FROM selegic_resync_all();
TRUNCATE watch_before;
INSERT INTO watch_before SELECT * FROM selegic.watch_run;
SELECT * FROM selegic_watch();
SELECT kind, object, s.last_seen = b.last_watch_at AS last_seen_previous_watch,
       s.resolved_at = w.last_watch_at AS resolved_this_watch
FROM selegic.drift_state s, watch_before b, selegic.watch_run w
ORDER BY object, kind;
SELECT open_drift FROM selegic_status();
SELECT * FROM selegic_watch();

-- Appearing again is a new row; the old one stays as history.
SET client_min_messages = error;  -- the manual DDL's own log line is not the point
ALTER TABLE wt.orders DROP COLUMN note;
RESET client_min_messages;
SELECT * FROM selegic_watch();
SELECT kind, object, resolved_at IS NULL AS open FROM selegic.drift_state
WHERE kind = 'missing_column' ORDER BY first_seen;

-- One open row per difference, whoever writes: the unique index.
INSERT INTO selegic.drift_state (kind, object, first_seen, last_seen)
VALUES ('missing_column', 'wt.orders.note', now(), now());

-- The watch runs as the extension's owner: a selegic_drift() without
-- arguments that a role with CREATE on the schema adds beside the real one
-- is neither called nor makes the call ambiguous.
CREATE FUNCTION selegic_drift() RETURNS TABLE(kind text, entity_id uuid, field_id uuid, object text,
    expected text, actual text, fix text, waived_until timestamptz)
LANGUAGE sql AS $$ SELECT 'planted', NULL::uuid, NULL::uuid, 'x', NULL, NULL, NULL, NULL::timestamptz $$;
SELECT * FROM selegic_watch();
SELECT count(*) AS planted FROM selegic.drift_state WHERE kind = 'planted';
DROP FUNCTION selegic_drift();

-- EXECUTE is revoked from PUBLIC; a role granted it may watch. drift_state
-- and watch_run are written by the watch only, read by everyone.
CREATE ROLE regress_watch_plain;
CREATE ROLE regress_watcher;
GRANT EXECUTE ON FUNCTION selegic_watch() TO regress_watcher;
SET ROLE regress_watch_plain;
SELECT * FROM selegic_watch();
SELECT count(*) AS readable FROM selegic.drift_state;
DELETE FROM selegic.drift_state;
UPDATE selegic.watch_run SET last_watch_at = now();
RESET ROLE;
SET ROLE regress_watcher;
SELECT * FROM selegic_watch();
INSERT INTO selegic.drift_state (kind, object, first_seen, last_seen)
VALUES ('missing_table', 'wt.x', now(), now());
RESET ROLE;
SELECT p.proname, p.prosecdef, p.proconfig, has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
FROM pg_proc p WHERE p.oid = 'selegic_watch()'::regprocedure;
REVOKE EXECUTE ON FUNCTION selegic_watch() FROM regress_watcher;
DROP ROLE regress_watch_plain;
DROP ROLE regress_watcher;

DROP SCHEMA wt CASCADE;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log, selegic.drift_state, selegic.watch_run;
