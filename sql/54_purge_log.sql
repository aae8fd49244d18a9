-- selegic_purge_log(older_than): deletes rows of the drift log and of the
-- watch's drift_state resolved longer ago than older_than, never an
-- unresolved one, and returns how many.
\set VERBOSITY terse
TRUNCATE selegic.drift_log, selegic.drift_state, selegic.watch_run;
INSERT INTO selegic.drift_log (occurred_at, origin, command_tag, action, resolved_at, resolution) VALUES
  (now() - interval '400 days', 'manual', 'ALTER TABLE', 'old, unresolved', NULL, NULL),
  (now() - interval '200 days', 'manual', 'ALTER TABLE', 'resolved 100 days ago', now() - interval '100 days', 'acknowledged'),
  (now() - interval '200 days', 'api', 'ALTER TABLE', 'resolved 91 days ago', now() - interval '91 days', 'repaired'),
  (now() - interval '60 days', 'manual', 'ALTER TABLE', 'resolved 30 days ago', now() - interval '30 days', 'acknowledged'),
  (now() - interval '1 day', 'manual', 'ALTER TABLE', 'resolved now', now(), 'acknowledged'),
  (now(), 'manual', 'ALTER TABLE', 'new, unresolved', NULL, NULL);
INSERT INTO selegic.drift_state (kind, object, first_seen, last_seen, resolved_at) VALUES
  ('missing_column', 'p.t.resolved_200_days_ago', now() - interval '300 days', now() - interval '200 days', now() - interval '200 days'),
  ('missing_column', 'p.t.resolved_10_days_ago', now() - interval '20 days', now() - interval '10 days', now() - interval '10 days'),
  ('missing_column', 'p.t.open_for_a_year', now() - interval '365 days', now() - interval '365 days', NULL);

-- The default keeps 90 days.
SELECT selegic_purge_log();
SELECT action FROM selegic.drift_log ORDER BY occurred_at, action;
SELECT object FROM selegic.drift_state ORDER BY object;
-- Nothing more is that old.
SELECT selegic_purge_log();
-- A week.
SELECT selegic_purge_log('7 days');
SELECT action FROM selegic.drift_log ORDER BY occurred_at, action;
SELECT object FROM selegic.drift_state ORDER BY object;
-- Zero: every row resolved before this transaction began, never an unresolved one.
SELECT selegic_purge_log('0');
SELECT action FROM selegic.drift_log ORDER BY occurred_at, action;
SELECT object FROM selegic.drift_state ORDER BY object;
-- NULL is no age at all: nothing is deleted, and the count is 0.
SELECT selegic_purge_log(NULL);
-- A negative age is refused (22023).
SELECT selegic_purge_log('-1 day');
\echo :SQLSTATE

-- EXECUTE is revoked from PUBLIC; a granted role may purge, though it cannot
-- delete log rows itself.
CREATE ROLE regress_purger;
SET ROLE regress_purger;
SELECT selegic_purge_log();
RESET ROLE;
GRANT EXECUTE ON FUNCTION selegic_purge_log(interval) TO regress_purger;
SET ROLE regress_purger;
SELECT selegic_purge_log();
DELETE FROM selegic.drift_log;
RESET ROLE;
REVOKE EXECUTE ON FUNCTION selegic_purge_log(interval) FROM regress_purger;
DROP ROLE regress_purger;
SELECT count(*) AS unresolved_left FROM selegic.drift_log WHERE resolved_at IS NULL;

TRUNCATE selegic.drift_log, selegic.drift_state, selegic.watch_run;
