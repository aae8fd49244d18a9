-- selegic_status(): is the watch on?
\set VERBOSITY terse
TRUNCATE selegic.drift_log;
SELECT healthy, problems, event_triggers, session_replication_role, manual_ddl, log_api_ddl,
       unresolved_manual, last_manual_at FROM selegic_status();

-- Switching capture off shows at once.
ALTER EVENT TRIGGER selegic_sql_drop DISABLE;
ALTER EVENT TRIGGER selegic_table_rewrite ENABLE;   -- origin only: replica sessions escape it
ALTER TABLE selegic.field DISABLE TRIGGER field_changed;
SET selegic.api_roles = 'regress_nobody';
SET session_replication_role = replica;
SELECT healthy, problems, event_triggers, session_replication_role, api_roles FROM selegic_status();
RESET session_replication_role;
RESET selegic.api_roles;
ALTER EVENT TRIGGER selegic_sql_drop ENABLE ALWAYS;
ALTER EVENT TRIGGER selegic_table_rewrite ENABLE ALWAYS;
ALTER TABLE selegic.field ENABLE ALWAYS TRIGGER field_changed;

-- Unresolved manual rows are counted.
INSERT INTO selegic.drift_log (occurred_at, origin, command_tag) VALUES
  ('2026-11-01 10:00+00', 'manual', 'ALTER TABLE'), ('2026-11-02 10:00+00', 'manual', 'DROP TABLE'),
  ('2026-11-03 10:00+00', 'api', 'ALTER TABLE');
SELECT healthy, unresolved_manual, last_manual_at FROM selegic_status();
TRUNCATE selegic.drift_log;
