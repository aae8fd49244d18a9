-- Waivers: one known difference accepted until a date. Still reported, with
-- waived_until; skipped by every repair (the dry run shows it last); silent
-- in the watch and not counted by the status; a lapsed waiver counts no more.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log, selegic.drift_state, selegic.watch_run, selegic.waiver;
CREATE SCHEMA wv;
CREATE FUNCTION pg_temp.id(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;
INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES (pg_temp.id(1), 'orders', 'wv', 'orders');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type) VALUES
  (pg_temp.id(11), pg_temp.id(1), 'amount', 'amount', 'number', 'bigint'),
  (pg_temp.id(12), pg_temp.id(1), 'note', 'note', 'text', 'text');
CREATE TABLE wv.orders (id uuid PRIMARY KEY, amount integer);
SELECT * FROM selegic_watch();

-- The type change is for the quiet hours: waive it. The far future keeps the
-- output stable.
SELECT selegic_waive('type_mismatch', 'wv.orders.amount', '2999-01-01 00:00+00',
                     'large table: convert on Sunday night') IS NOT NULL AS waived;
SELECT kind, object, reason, until, created_by = session_user AS by_me FROM selegic.waiver;
SELECT kind, object, fix, waived_until FROM selegic_drift();

-- Every repair skips it, the scoped ones too; the dry runs show it last.
SELECT * FROM selegic_resync_all(true);
SELECT * FROM selegic_resync_entity(pg_temp.id(1), true);
SELECT * FROM selegic_resync(pg_temp.id(11), true);
SELECT * FROM selegic_resync(pg_temp.id(11));
SELECT * FROM selegic_resync_all();
SELECT format_type(atttypid, atttypmod) AS amount_type FROM pg_attribute
WHERE attrelid = 'wv.orders'::regclass AND attname = 'amount';

-- The watch: the waived difference stays open, silent and uncounted; the
-- repaired one is resolved.
SELECT * FROM selegic_watch();
SELECT kind, object, resolved_at IS NULL AS open, waived_until FROM selegic.drift_state ORDER BY kind;
SELECT open_drift FROM selegic_status();
SELECT kind, open, waived, open_since IS NOT NULL AS since FROM selegic.drift_summary
WHERE kind IN ('missing_column', 'type_mismatch');

-- A lapsed waiver counts no more (its end moved into the past here, as time
-- would): reported, repaired, and announced by the watch again.
UPDATE selegic.waiver SET until = now() - interval '1 minute';
SELECT kind, object, waived_until FROM selegic_drift();
SELECT * FROM selegic_resync_all(true);
SELECT * FROM selegic_watch();
SELECT kind, resolved_at IS NULL AS open, waived_until FROM selegic.drift_state WHERE kind = 'type_mismatch';
SELECT open_drift FROM selegic_status();

-- Two waivers of one difference: the later end counts. Unwaiving removes one;
-- an unknown id is false, NULL is NULL.
SELECT selegic_waive('type_mismatch', 'wv.orders.amount', '2998-01-01 00:00+00', 'first') AS w1 \gset
SELECT selegic_waive('type_mismatch', 'wv.orders.amount', '2999-01-01 00:00+00', 'second') AS w2 \gset
SELECT waived_until FROM selegic_drift() WHERE kind = 'type_mismatch';
SELECT selegic_unwaive(:'w2');
SELECT waived_until FROM selegic_drift() WHERE kind = 'type_mismatch';
SELECT selegic_unwaive(:'w2');
SELECT selegic_unwaive(NULL);
SELECT selegic_unwaive(:'w1');
SELECT count(*) AS waivers FROM selegic.waiver WHERE until > now();
SELECT waived_until FROM selegic_drift() WHERE kind = 'type_mismatch';

-- A waiver may come first (a planned change); an object that matches no
-- reported row gets a NOTICE, since a different spelling would never match.
SELECT selegic_waive('missing_column', 'wv.orders.later', '2999-01-01 00:00+00', 'planned for release 7') IS NOT NULL AS waived;
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type)
VALUES (pg_temp.id(13), pg_temp.id(1), 'later', 'later', 'text', 'text');
SELECT * FROM selegic_watch();
DELETE FROM selegic.field WHERE id = pg_temp.id(13);
-- Gone while waived: resolved, silently.
SELECT * FROM selegic_watch();
SELECT kind, object, resolved_at IS NOT NULL AS resolved, waived_until FROM selegic.drift_state
WHERE object = 'wv.orders.later';

-- Refused: each with SQLSTATE 22023 (invalid_parameter_value).
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT selegic_waive(NULL, 'wv.orders.amount', '2999-01-01', 'x');
\echo :SQLSTATE
SELECT selegic_waive('type_mismatch_typo', 'wv.orders.amount', '2999-01-01', 'x');
\echo :SQLSTATE
SELECT selegic_waive('type_mismatch', ' ', '2999-01-01', 'x');
\echo :SQLSTATE
\set VERBOSITY terse
-- (terse: the DETAIL names the current time)
SELECT selegic_waive('type_mismatch', 'wv.orders.amount', NULL, 'x');
\echo :SQLSTATE
SELECT selegic_waive('type_mismatch', 'wv.orders.amount', '2000-01-01 00:00+00', 'x');
\echo :SQLSTATE
\set VERBOSITY default
SELECT selegic_waive('type_mismatch', 'wv.orders.amount', '2999-01-01', NULL);
\echo :SQLSTATE
SELECT selegic_waive('type_mismatch', 'wv.orders.amount', '2999-01-01', '   ');
\echo :SQLSTATE
\set VERBOSITY terse

-- Privileges: EXECUTE revoked from PUBLIC; the table is read-only to
-- ordinary roles, so the functions are the only way in.
CREATE ROLE regress_waive_plain;
CREATE ROLE regress_waiver;
GRANT EXECUTE ON FUNCTION selegic_waive(text, text, timestamptz, text), selegic_unwaive(uuid) TO regress_waiver;
SET ROLE regress_waive_plain;
SELECT selegic_waive('type_mismatch', 'wv.orders.amount', '2999-01-01', 'x');
SELECT selegic_unwaive(:'w1');
INSERT INTO selegic.waiver (kind, object, reason, until) VALUES ('type_mismatch', 'wv.orders.amount', 'x', '2999-01-01');
SELECT count(*) AS readable FROM selegic.waiver;
RESET ROLE;
SET ROLE regress_waiver;
SELECT selegic_waive('type_mismatch', 'wv.orders.amount', '2999-01-01', 'granted') AS w3 \gset
UPDATE selegic.waiver SET until = '3999-01-01';
SELECT selegic_unwaive(:'w3');
RESET ROLE;
SELECT p.oid::regprocedure AS function, p.prosecdef,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
FROM pg_proc p WHERE p.oid IN ('selegic_waive(text, text, timestamptz, text)'::regprocedure,
                               'selegic_unwaive(uuid)'::regprocedure)
ORDER BY 1;
REVOKE EXECUTE ON FUNCTION selegic_waive(text, text, timestamptz, text), selegic_unwaive(uuid) FROM regress_waiver;
DROP ROLE regress_waive_plain;
DROP ROLE regress_waiver;

DROP SCHEMA wv CASCADE;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log, selegic.drift_state, selegic.watch_run, selegic.waiver;
