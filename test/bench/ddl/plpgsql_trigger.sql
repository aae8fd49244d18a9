-- DDL capture benchmark, configuration (c): what a DBA would write instead of
-- the extension, a PL/pgSQL event trigger on ddl_command_end and sql_drop that
-- logs every collected command (and every dropped object the statement named,
-- plus dropped columns) with tag, identity, users, backend, transaction and
-- query. Like the extension's triggers: SECURITY DEFINER with a pinned
-- search_path, ENABLE ALWAYS, a uuid key and an index on the time.
-- Unlike the extension it does not filter: it logs DDL on every object.
\set ON_ERROR_STOP on

CREATE SCHEMA audit;
CREATE TABLE audit.ddl_log (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    occurred_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    command_tag       text NOT NULL,
    action            text,
    object_type       text,
    object_identity   text,
    session_user_name name,
    current_user_name name,
    backend_pid       int,
    transaction_id    xid8,
    query             text
);
CREATE INDEX ddl_log_occurred_idx ON audit.ddl_log (occurred_at);

CREATE FUNCTION audit.log_ddl_command_end() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  INSERT INTO audit.ddl_log (command_tag, object_type, object_identity, session_user_name,
                             current_user_name, backend_pid, transaction_id, query)
  SELECT c.command_tag, c.object_type, c.object_identity, session_user, current_user,
         pg_backend_pid(), pg_current_xact_id(), current_query()
  FROM pg_event_trigger_ddl_commands() AS c;
END
$fn$;

CREATE FUNCTION audit.log_sql_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  INSERT INTO audit.ddl_log (command_tag, action, object_type, object_identity, session_user_name,
                             current_user_name, backend_pid, transaction_id, query)
  SELECT tg_tag, 'drop ' || d.object_type, d.object_type, d.object_identity, session_user,
         current_user, pg_backend_pid(), pg_current_xact_id(), current_query()
  FROM pg_event_trigger_dropped_objects() AS d
  WHERE d.original OR d.object_type = 'table column';
END
$fn$;

CREATE EVENT TRIGGER audit_ddl_command_end ON ddl_command_end
    EXECUTE FUNCTION audit.log_ddl_command_end();
CREATE EVENT TRIGGER audit_sql_drop ON sql_drop
    EXECUTE FUNCTION audit.log_sql_drop();
ALTER EVENT TRIGGER audit_ddl_command_end ENABLE ALWAYS;
ALTER EVENT TRIGGER audit_sql_drop ENABLE ALWAYS;
