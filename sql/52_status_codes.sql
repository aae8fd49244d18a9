-- selegic_status() in 1.1: a stable code beside each problem, the capture
-- switch, and the open drift of the last watch, after 1.0's columns.
\set VERBOSITY terse
TRUNCATE selegic.drift_log, selegic.drift_state, selegic.watch_run;

-- 1.0's nine columns come first, so a 1.0 caller's reads still work.
SELECT pg_get_function_result('selegic_status()'::regprocedure);
SELECT healthy, problems, problem_codes, capture, open_drift, last_watch_at FROM selegic_status();

-- Each problem has its code, in the same place of problem_codes.
ALTER EVENT TRIGGER selegic_sql_drop DISABLE;
ALTER EVENT TRIGGER selegic_table_rewrite ENABLE;
ALTER TABLE selegic.field DISABLE TRIGGER field_changed;
SET selegic.api_roles = 'regress_nobody';
SELECT healthy, problem_codes, array_length(problems, 1) AS sentences FROM selegic_status();
SELECT x.code, x.problem FROM selegic_status() s, unnest(s.problem_codes, s.problems) AS x(code, problem);
RESET selegic.api_roles;
ALTER EVENT TRIGGER selegic_sql_drop ENABLE ALWAYS;
ALTER EVENT TRIGGER selegic_table_rewrite ENABLE ALWAYS;
ALTER TABLE selegic.field ENABLE ALWAYS TRIGGER field_changed;

-- The capture switched off in this session: its DDL goes unrecorded.
SET selegic.capture = off;
SELECT healthy, capture, problem_codes, problems FROM selegic_status();
RESET selegic.capture;

-- Left behind by ALTER ROLE / DATABASE ... SET after a restore, it switches
-- other sessions off: unhealthy for whoever looks.
CREATE ROLE regress_restorer;
ALTER ROLE regress_restorer SET selegic.capture = off;
SELECT healthy, capture, problem_codes, problems FROM selegic_status();
ALTER ROLE regress_restorer RESET selegic.capture;
DO $$ BEGIN
  EXECUTE format('ALTER ROLE regress_restorer IN DATABASE %I SET selegic.capture = false', current_database());
  EXECUTE format('ALTER DATABASE %I SET selegic.capture = off', current_database());
END $$;
SELECT healthy, problem_codes, replace(problems::text, current_database(), 'DB') AS problems FROM selegic_status();
DO $$ BEGIN
  EXECUTE format('ALTER ROLE regress_restorer IN DATABASE %I RESET selegic.capture', current_database());
  EXECUTE format('ALTER DATABASE %I RESET selegic.capture', current_database());
END $$;
DROP ROLE regress_restorer;
SELECT healthy, problem_codes FROM selegic_status();
