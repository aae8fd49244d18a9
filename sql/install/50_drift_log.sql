-- The real-time drift log: every DDL on a managed object that did not come
-- from the API, recorded by event triggers written in C++.

CREATE TABLE selegic.drift_log (
    id                uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
    database_name     name NOT NULL DEFAULT pg_catalog.current_database(),
    occurred_at       timestamptz NOT NULL,
    origin            text NOT NULL CHECK (origin IN ('manual', 'api')),
    command_tag       text NOT NULL,
    action            text,
    object_identity   text,
    entity_id         uuid,
    field_id          uuid,
    old_name          name,
    new_name          name,
    session_user_name name,
    current_user_name name,
    application_name  text,
    client_addr       inet,
    backend_pid       int,
    transaction_id    xid8,
    query             text,
    resolved_at       timestamptz,
    resolution        text
);
COMMENT ON TABLE selegic.drift_log IS
    'DDL on managed objects: manual changes (and API ones with selegic.log_api_ddl), written by event triggers';
-- Plain indexes only: the triggers insert rows as the catalogs are written,
-- which maintains plain indexes and nothing more.
CREATE INDEX drift_log_field_idx ON selegic.drift_log (field_id);
CREATE INDEX drift_log_entity_idx ON selegic.drift_log (entity_id);
CREATE INDEX drift_log_occurred_idx ON selegic.drift_log (occurred_at);
CREATE INDEX drift_log_action_idx ON selegic.drift_log (action);  -- renames are read often

-- Only the extension writes the log; everyone may read it.
REVOKE ALL ON selegic.drift_log FROM PUBLIC;
GRANT SELECT ON selegic.drift_log TO PUBLIC;

-- Event triggers: SECURITY DEFINER so the capture works whoever runs the DDL;
-- ENABLE ALWAYS so session_replication_role = replica does not switch them
-- off. They run for every DDL of every session, so their search_path is
-- pinned in the C code, around the insert into the log (the one step that
-- can run code not ours), not by a SET clause, which would cost every
-- statement a GUC save and restore; nothing before it resolves a name.
CREATE FUNCTION selegic.capture_ddl_command_end() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'selegic_capture_ddl_command_end'
LANGUAGE C SECURITY DEFINER;
CREATE FUNCTION selegic.capture_sql_drop() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'selegic_capture_sql_drop'
LANGUAGE C SECURITY DEFINER;
CREATE FUNCTION selegic.capture_table_rewrite() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'selegic_capture_table_rewrite'
LANGUAGE C SECURITY DEFINER;
REVOKE EXECUTE ON FUNCTION selegic.capture_ddl_command_end(), selegic.capture_sql_drop(),
    selegic.capture_table_rewrite() FROM PUBLIC;

CREATE EVENT TRIGGER selegic_ddl_command_end ON ddl_command_end
    EXECUTE FUNCTION selegic.capture_ddl_command_end();
CREATE EVENT TRIGGER selegic_sql_drop ON sql_drop
    EXECUTE FUNCTION selegic.capture_sql_drop();
CREATE EVENT TRIGGER selegic_table_rewrite ON table_rewrite
    EXECUTE FUNCTION selegic.capture_table_rewrite();
ALTER EVENT TRIGGER selegic_ddl_command_end ENABLE ALWAYS;
ALTER EVENT TRIGGER selegic_sql_drop ENABLE ALWAYS;
ALTER EVENT TRIGGER selegic_table_rewrite ENABLE ALWAYS;

-- Metadata changes (by the API, a DBA, or the logical replication apply
-- worker, hence ENABLE ALWAYS) tell every backend to reload what is managed.
-- Row triggers, because the apply worker fires no statement triggers; the
-- invalidations they queue are merged per transaction, so a bulk load pays
-- for one.
CREATE FUNCTION selegic.metadata_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'selegic_metadata_changed'
LANGUAGE C SET search_path = pg_catalog, pg_temp;
REVOKE EXECUTE ON FUNCTION selegic.metadata_changed() FROM PUBLIC;
CREATE TRIGGER entity_changed AFTER INSERT OR UPDATE OR DELETE ON selegic.entity
    FOR EACH ROW EXECUTE FUNCTION selegic.metadata_changed();
CREATE TRIGGER entity_truncated AFTER TRUNCATE ON selegic.entity
    FOR EACH STATEMENT EXECUTE FUNCTION selegic.metadata_changed();
CREATE TRIGGER field_changed AFTER INSERT OR UPDATE OR DELETE ON selegic.field
    FOR EACH ROW EXECUTE FUNCTION selegic.metadata_changed();
CREATE TRIGGER field_truncated AFTER TRUNCATE ON selegic.field
    FOR EACH STATEMENT EXECUTE FUNCTION selegic.metadata_changed();
ALTER TABLE selegic.entity ENABLE ALWAYS TRIGGER entity_changed;
ALTER TABLE selegic.entity ENABLE ALWAYS TRIGGER entity_truncated;
ALTER TABLE selegic.field ENABLE ALWAYS TRIGGER field_changed;
ALTER TABLE selegic.field ENABLE ALWAYS TRIGGER field_truncated;
-- Resolving, acknowledging or purging log rows can end a rename that the
-- report and the capture follow: they hear of it the same way.
CREATE TRIGGER drift_log_changed AFTER UPDATE OR DELETE ON selegic.drift_log
    FOR EACH STATEMENT EXECUTE FUNCTION selegic.metadata_changed();
CREATE TRIGGER drift_log_truncated AFTER TRUNCATE ON selegic.drift_log
    FOR EACH STATEMENT EXECUTE FUNCTION selegic.metadata_changed();

CREATE FUNCTION selegic_api_execute(sql text) RETURNS void
AS 'MODULE_PATHNAME', 'selegic_api_execute'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION selegic_api_execute(text) IS
    'Runs SQL as the Selegic API: its DDL is api origin (logged only with selegic.log_api_ddl) and passes selegic.manual_ddl = block';
REVOKE EXECUTE ON FUNCTION selegic_api_execute(text) FROM PUBLIC;

-- A human's "this is fine". Not for the rename of a field's column while the
-- field still has the old name: the unresolved rename row is how the report
-- knows the column (renamed_column); without it the field would turn into a
-- missing_column and the column an extra_column, and a repair would add a
-- new, empty column. That is refused; the repair renames the column back.
CREATE FUNCTION selegic_acknowledge(log_id uuid, note text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  row_field uuid;
  field_entity uuid;
  renamed record;
BEGIN
  IF log_id IS NULL THEN
    RETURN;
  END IF;
  SELECT l.field_id INTO row_field FROM selegic.drift_log l
  WHERE l.id = log_id AND l.action = 'rename column' AND l.resolved_at IS NULL;
  IF row_field IS NOT NULL THEN
    SELECT f.entity_id INTO field_entity FROM selegic.field f
    WHERE f.id = row_field AND EXISTS (SELECT FROM selegic.entity e WHERE e.id = f.entity_id);
    IF field_entity IS NOT NULL THEN
      SELECT d.expected, d.actual INTO renamed FROM @extschema@.selegic_drift(field_entity) d
      WHERE d.kind = 'renamed_column' AND d.field_id = row_field;
      IF FOUND THEN
        RAISE EXCEPTION 'drift log row "%" is a column rename that the metadata does not know yet', log_id
          USING ERRCODE = 'object_not_in_prerequisite_state',
                DETAIL = format('Field %s expects column %s, which is now named %s. Acknowledged, the rename would be forgotten: the field would be missing_column and the column extra_column.',
                                row_field, renamed.expected, renamed.actual),
                HINT = format('Repair it with selegic_resync(''%s''), which renames the column back, or change the field''s column_name in the metadata first.',
                              row_field);
      END IF;
    END IF;
  END IF;
  UPDATE selegic.drift_log
  SET resolved_at = pg_catalog.now(),
      resolution = coalesce(note, 'acknowledged') || ' (by ' || session_user || ')'
  WHERE id = log_id AND resolved_at IS NULL;
  IF NOT FOUND THEN
    IF EXISTS (SELECT FROM selegic.drift_log WHERE id = log_id) THEN
      RAISE EXCEPTION 'drift log row "%" is already resolved', log_id
        USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RAISE EXCEPTION 'drift log row "%" does not exist', log_id
      USING ERRCODE = 'undefined_object', HINT = 'Row ids are the id column of selegic.drift_log.';
  END IF;
END
$fn$;
COMMENT ON FUNCTION selegic_acknowledge(uuid, text) IS
    'Marks one drift log row resolved by a human, with a note';
REVOKE EXECUTE ON FUNCTION selegic_acknowledge(uuid, text) FROM PUBLIC;

-- Is the watch on? One row a DBA can read at a glance. The columns after
-- last_manual_at came in 1.1, at the end so that 1.0's callers still work.
--
-- problem codes (stable; monitoring may switch on them), problem_codes[i]
-- being the code of problems[i]:
--   event_trigger_missing        an event trigger is missing
--   event_trigger_disabled       an event trigger is disabled
--   event_trigger_not_always     an event trigger is not ENABLE ALWAYS
--   metadata_trigger_not_always  a metadata change trigger is missing or not ENABLE ALWAYS
--   capture_off                  selegic.capture is off in this session
--   capture_off_setting          ALTER ROLE / DATABASE ... SET selegic.capture = off
--                                (one entry per such setting that applies here)
--   api_roles_unset              selegic.api_roles is empty: worth a line, not
--                                an alarm (healthy stays true)
CREATE FUNCTION selegic_status()
RETURNS TABLE(healthy boolean, problems text[], event_triggers text,
              session_replication_role text, api_roles text, manual_ddl text,
              log_api_ddl boolean, unresolved_manual bigint, last_manual_at timestamptz,
              capture boolean, open_drift bigint, last_watch_at timestamptz, problem_codes text[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  expected text[] := ARRAY['selegic_ddl_command_end', 'selegic_sql_drop', 'selegic_table_rewrite'];
  found text[];
  trouble text[] := '{}';
  codes text[] := '{}';
  t text;
  r record;
BEGIN
  SELECT array_agg(evtname || ' ' || CASE evtenabled WHEN 'A' THEN 'always' WHEN 'O' THEN 'origin'
                                                      WHEN 'R' THEN 'replica' ELSE 'disabled' END
                   ORDER BY evtname)
  INTO found FROM pg_event_trigger WHERE evtname = ANY (expected);
  event_triggers := array_to_string(found, ', ');
  FOREACH t IN ARRAY expected LOOP
    IF NOT EXISTS (SELECT FROM pg_event_trigger WHERE evtname = t) THEN
      codes := codes || 'event_trigger_missing'::text;
      trouble := trouble || format('event trigger %s is missing', t);
    ELSIF EXISTS (SELECT FROM pg_event_trigger WHERE evtname = t AND evtenabled = 'D') THEN
      codes := codes || 'event_trigger_disabled'::text;
      trouble := trouble || format('event trigger %s is disabled', t);
    ELSIF EXISTS (SELECT FROM pg_event_trigger WHERE evtname = t AND evtenabled <> 'A') THEN
      codes := codes || 'event_trigger_not_always'::text;
      trouble := trouble || format('event trigger %s is not ENABLE ALWAYS', t);
    END IF;
  END LOOP;
  IF (SELECT count(*) FROM pg_trigger
      WHERE tgname IN ('entity_changed', 'entity_truncated', 'field_changed', 'field_truncated')
        AND tgrelid IN ('selegic.entity'::regclass, 'selegic.field'::regclass)
        AND tgenabled = 'A') <> 4 THEN
    codes := codes || 'metadata_trigger_not_always'::text;
    trouble := trouble || 'a metadata change trigger is missing or not ENABLE ALWAYS'::text;
  END IF;
  capture := coalesce(current_setting('selegic.capture', true), 'on')::boolean;
  IF NOT capture THEN
    codes := codes || 'capture_off'::text;
    trouble := trouble || 'selegic.capture is off in this session: its DDL is not recorded'::text;
  END IF;
  -- Left behind after a restore, a setting keeps capture off for whole
  -- databases or roles; the session that reads this may not be one of them.
  FOR r IN
    SELECT s.setrole, s.setdatabase
    FROM pg_db_role_setting s, unnest(s.setconfig) c
    WHERE s.setdatabase IN (0, (SELECT d.oid FROM pg_database d WHERE d.datname = current_database()))
      AND lower(c) IN ('selegic.capture=off', 'selegic.capture=false', 'selegic.capture=no',
                       'selegic.capture=0', 'selegic.capture=of', 'selegic.capture=f',
                       'selegic.capture=n')
    ORDER BY s.setdatabase, s.setrole
  LOOP
    codes := codes || 'capture_off_setting'::text;
    trouble := trouble || format('selegic.capture is off %s by ALTER %s ... SET: DDL in those sessions is not recorded',
                                 CASE WHEN r.setrole = 0 THEN format('in database %I', current_database())
                                      WHEN r.setdatabase = 0 THEN format('for role %s', r.setrole::regrole)
                                      ELSE format('for role %s in database %I', r.setrole::regrole, current_database())
                                 END,
                                 CASE WHEN r.setrole = 0 THEN 'DATABASE' ELSE 'ROLE' END);
  END LOOP;
  session_replication_role := current_setting('session_replication_role');
  api_roles := nullif(current_setting('selegic.api_roles', true), '');
  IF api_roles IS NULL THEN
    codes := codes || 'api_roles_unset'::text;
    trouble := trouble || 'selegic.api_roles is not set: the API''s own DDL counts as manual'::text;
  END IF;
  manual_ddl := coalesce(current_setting('selegic.manual_ddl', true), 'log');
  log_api_ddl := coalesce(current_setting('selegic.log_api_ddl', true), 'off')::boolean;
  SELECT count(*), max(occurred_at) INTO unresolved_manual, last_manual_at
  FROM selegic.drift_log WHERE origin = 'manual' AND resolved_at IS NULL;
  -- The open drift as the last selegic_watch() left it, waived rows not
  -- counted; both NULL before the first watch.
  SELECT w.last_watch_at INTO last_watch_at FROM selegic.watch_run w;
  IF last_watch_at IS NOT NULL THEN
    SELECT count(*) INTO open_drift FROM selegic.drift_state s
    WHERE s.resolved_at IS NULL AND s.waived_until IS NULL;
  END IF;
  problems := trouble;
  problem_codes := codes;
  -- A missing api_roles setting is worth a line, not an alarm.
  healthy := NOT EXISTS (SELECT FROM unnest(codes) c WHERE c <> 'api_roles_unset');
  RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION selegic_status() IS
    'Whether DDL capture is working: event triggers, settings, unresolved manual changes, and the open drift of the last watch';

-- Keep the log in dumps, like the metadata.
SELECT pg_catalog.pg_extension_config_dump('selegic.drift_log', '');
