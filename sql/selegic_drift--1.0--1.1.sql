-- selegic_drift 1.0 -> 1.1. Written by hand, committed, never changed once
-- released. After it runs, the database holds exactly what a fresh install of
-- 1.1 (sql/install/*.sql) creates: test/e2e/update_path.sh proves it.
\echo Use "ALTER EXTENSION selegic_drift UPDATE TO '1.1'" to load this file. \quit

-- Forbidden schemas: one rule, in C, shared by the report, the repairs and
-- selegic_preflight() (which now also refuses the schema selegic).
-- NULL when the schema may be used, else why not.
CREATE FUNCTION selegic.forbidden_schema(schema_name name) RETURNS text
AS 'MODULE_PATHNAME', 'selegic_forbidden_schema'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION selegic.forbidden_schema(name) IS
    'Why an entity may not use this schema (PostgreSQL''s own, or the extension''s), or NULL';

CREATE OR REPLACE FUNCTION selegic_preflight(schema_name text, table_name text)
RETURNS TABLE(problem text, detail text, fix text)
LANGUAGE plpgsql STABLE SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    nsp_name  text := $1;
    rel_name  text := $2;
    max_len   int := pg_catalog.current_setting('max_identifier_length')::int;
    nsp_ok    boolean := true;
    rel_ok    boolean := true;
    nsp_oid   oid;
    who       text := pg_catalog.quote_ident(current_user);
    taken     text[] := '{}';   -- rename targets already proposed
    target    text;
    clipped   text;
    n         int;
    r         record;
BEGIN
    -- The two names, schema first.
    FOR r IN SELECT * FROM (VALUES (1, 'schema', nsp_name), (2, 'table', rel_name)) AS v(ord, what, val)
             ORDER BY v.ord
    LOOP
        problem := NULL;
        IF r.val IS NULL THEN
            problem := 'null_name';
            detail := pg_catalog.format('%s name is null', r.what);
        ELSIF r.val = '' THEN
            problem := 'empty_name';
            detail := pg_catalog.format('%s name is empty', r.what);
        ELSIF pg_catalog.octet_length(r.val) > max_len THEN
            clipped := pg_catalog.left(r.val, max_len);
            WHILE pg_catalog.octet_length(clipped) > max_len LOOP
                clipped := pg_catalog.left(clipped, -1);
            END LOOP;
            problem := 'name_too_long';
            detail := pg_catalog.format('%s name "%s" is %s bytes long, PostgreSQL would truncate it to "%s" (%s bytes at most)',
                                        r.what, r.val, pg_catalog.octet_length(r.val), clipped, max_len);
        END IF;
        IF problem IS NOT NULL THEN
            fix := NULL;
            RETURN NEXT;
            IF r.ord = 1 THEN nsp_ok := false; ELSE rel_ok := false; END IF;
        END IF;
    END LOOP;

    IF NOT nsp_ok THEN
        RETURN;
    END IF;

    -- System schemas: CREATE TABLE there fails (or, in pg_temp, makes a
    -- temporary table), and CREATE SCHEMA refuses pg_* names; the
    -- extension's own schema is not for entities either. The same rule as
    -- selegic_drift()'s.
    IF selegic.forbidden_schema(nsp_name) IS NOT NULL THEN
        problem := 'reserved_schema';
        detail := pg_catalog.format('schema "%s" %s', nsp_name, selegic.forbidden_schema(nsp_name));
        fix := NULL;
        RETURN NEXT;
        RETURN;
    END IF;

    SELECT ns.oid INTO nsp_oid FROM pg_catalog.pg_namespace ns WHERE ns.nspname = nsp_name;
    IF nsp_oid IS NULL THEN
        problem := 'schema_missing';
        detail := pg_catalog.format('schema "%s" does not exist', nsp_name);
        IF NOT pg_catalog.has_database_privilege(current_user, pg_catalog.current_database(), 'CREATE') THEN
            detail := detail || pg_catalog.format(', and role "%s" may not create schemas in database "%s"',
                                                  current_user, pg_catalog.current_database());
        END IF;
        fix := pg_catalog.format('CREATE SCHEMA %I AUTHORIZATION %s', nsp_name, who);
        RETURN NEXT;
        RETURN;
    END IF;

    IF NOT pg_catalog.has_schema_privilege(current_user, nsp_oid, 'USAGE') THEN
        problem := 'no_usage';
        detail := pg_catalog.format('role "%s" lacks USAGE on schema "%s"', current_user, nsp_name);
        fix := pg_catalog.format('GRANT USAGE ON SCHEMA %I TO %s', nsp_name, who);
        RETURN NEXT;
    END IF;
    IF NOT pg_catalog.has_schema_privilege(current_user, nsp_oid, 'CREATE') THEN
        problem := 'no_create';
        detail := pg_catalog.format('role "%s" lacks CREATE on schema "%s"', current_user, nsp_name);
        fix := pg_catalog.format('GRANT CREATE ON SCHEMA %I TO %s', nsp_name, who);
        RETURN NEXT;
    END IF;

    IF NOT rel_ok THEN
        RETURN;
    END IF;

    -- Whatever holds the name: relations (composite types aside, they are
    -- types below), then types that are not the row type of such a relation.
    -- Implicit array types are left out: CREATE TABLE moves them aside.
    FOR r IN
        SELECT 1 AS ord,
               CASE c.relkind
                   WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'
                   WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                   WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index' WHEN 'I' THEN 'partitioned index'
                   WHEN 'f' THEN 'foreign table' WHEN 't' THEN 'TOAST table'
                   ELSE 'relation' END AS what,
               CASE c.relkind
                   WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'TABLE' WHEN 'v' THEN 'VIEW'
                   WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                   WHEN 'i' THEN 'INDEX' WHEN 'I' THEN 'INDEX' WHEN 'f' THEN 'FOREIGN TABLE'
               END AS alter_kind
        FROM pg_catalog.pg_class c
        WHERE c.relnamespace = nsp_oid AND c.relname = rel_name AND c.relkind <> 'c'
        UNION ALL
        SELECT 2,
               CASE WHEN NOT t.typisdefined THEN 'shell type'
                    ELSE CASE t.typtype
                             WHEN 'c' THEN 'composite type' WHEN 'd' THEN 'domain'
                             WHEN 'e' THEN 'enum type' WHEN 'r' THEN 'range type'
                             WHEN 'm' THEN 'multirange type' WHEN 'p' THEN 'pseudo-type'
                             ELSE 'base type' END END,
               CASE WHEN NOT t.typisdefined THEN NULL
                    ELSE CASE t.typtype
                             WHEN 'c' THEN 'TYPE' WHEN 'd' THEN 'DOMAIN' WHEN 'e' THEN 'TYPE'
                             WHEN 'r' THEN 'TYPE' WHEN 'm' THEN 'TYPE' WHEN 'b' THEN 'TYPE' END END
        FROM pg_catalog.pg_type t
        LEFT JOIN pg_catalog.pg_class tc ON tc.oid = t.typrelid
        WHERE t.typnamespace = nsp_oid AND t.typname = rel_name
          AND (tc.oid IS NULL OR tc.relkind = 'c')
          AND NOT (t.typelem <> 0 AND EXISTS (SELECT FROM pg_catalog.pg_type e
                                              WHERE e.oid = t.typelem AND e.typarray = t.oid))
        ORDER BY 1
    LOOP
        problem := CASE r.ord WHEN 1 THEN 'relation_exists' ELSE 'type_exists' END;
        detail := pg_catalog.format('%s "%s.%s" already exists', r.what, nsp_name, rel_name);
        IF r.what = 'shell type' THEN
            -- CREATE TABLE succeeds and silently turns the shell into its row type.
            detail := detail || ', CREATE TABLE would take it over as its row type';
        END IF;
        fix := NULL;
        IF r.alter_kind IS NOT NULL THEN
            -- The first free "<name>_stale", "<name>_stale2", ... that fits.
            n := 1;
            LOOP
                target := CASE n WHEN 1 THEN '_stale' ELSE '_stale' || n END;
                clipped := pg_catalog.left(rel_name, max_len);
                WHILE pg_catalog.octet_length(clipped || target) > max_len LOOP
                    clipped := pg_catalog.left(clipped, -1);
                END LOOP;
                target := clipped || target;
                EXIT WHEN NOT target = ANY (taken)
                      AND NOT EXISTS (SELECT FROM pg_catalog.pg_class c
                                      WHERE c.relnamespace = nsp_oid AND c.relname = target)
                      AND NOT EXISTS (SELECT FROM pg_catalog.pg_type t
                                      WHERE t.typnamespace = nsp_oid AND t.typname = target);
                n := n + 1;
            END LOOP;
            taken := taken || target;
            fix := pg_catalog.format('ALTER %s %I.%I RENAME TO %I', r.alter_kind, nsp_name, rel_name, target);
        END IF;
        RETURN NEXT;
    END LOOP;
END
$fn$;

-- Repairs count rows as each table's owner.
GRANT EXECUTE ON FUNCTION selegic.uncastable_rows(text, name, text, boolean) TO PUBLIC;

-- selegic_drift() gains a last column, waived_until: a new result type, so
-- the function is made again (same name, comment and default ACL).
DROP FUNCTION selegic_drift(uuid);
-- The drift report. PARALLEL UNSAFE: it resolves metadata in subtransactions.
-- waived_until: the end of a waiver in force for the row (selegic.waiver), or NULL.
CREATE FUNCTION selegic_drift(entity_id uuid DEFAULT NULL)
RETURNS TABLE(kind text, entity_id uuid, field_id uuid, object text,
              expected text, actual text, fix text, waived_until timestamptz)
AS 'MODULE_PATHNAME', 'selegic_drift'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION selegic_drift(uuid) IS
    'Differences between the Selegic metadata and the catalog, one row each, with the SQL that repairs them';

-- Waivers of known differences.
CREATE TABLE selegic.waiver (
    id          uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
    kind        text NOT NULL,
    object      text NOT NULL,
    reason      text NOT NULL CHECK (reason <> ''),
    until       timestamptz NOT NULL,
    created_by  name NOT NULL DEFAULT session_user,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE selegic.waiver IS
    'Known differences accepted until a date: reported by selegic_drift(), skipped by the repairs';
CREATE INDEX waiver_object_idx ON selegic.waiver (object, kind);
REVOKE ALL ON selegic.waiver FROM PUBLIC;
GRANT SELECT ON selegic.waiver TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('selegic.waiver', '');

-- Resolving, acknowledging or purging log rows can end a rename that the
-- report and the capture follow: they hear of it the same way.
CREATE TRIGGER drift_log_changed AFTER UPDATE OR DELETE ON selegic.drift_log
    FOR EACH STATEMENT EXECUTE FUNCTION selegic.metadata_changed();
CREATE TRIGGER drift_log_truncated AFTER TRUNCATE ON selegic.drift_log
    FOR EACH STATEMENT EXECUTE FUNCTION selegic.metadata_changed();

-- A type without equality (json) no longer stops the exact check of a type
-- change: whether each value converts is checked instead.
CREATE OR REPLACE FUNCTION selegic.uncastable_rows(rel text, col name, target text, exact boolean)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  relid regclass := rel::regclass;
  c text := quote_ident(col);
  source text;
  n bigint := 0;
  r record;
  changed boolean;
BEGIN
  IF to_regtype(target) IS NULL THEN
    RAISE EXCEPTION 'type "%" does not exist', target USING ERRCODE = 'undefined_object';
  END IF;
  SELECT format_type(atttypid, atttypmod) INTO source
  FROM pg_attribute WHERE attrelid = relid AND attname = col AND attnum > 0 AND NOT attisdropped;
  IF source IS NULL THEN
    RAISE EXCEPTION 'column "%" of relation % does not exist', col, relid
      USING ERRCODE = 'undefined_column';
  END IF;
  BEGIN
    IF exact THEN
      BEGIN
        EXECUTE format('SELECT count(*) FROM %s WHERE %s IS NOT NULL AND (%s::%s)::%s IS DISTINCT FROM %s',
                       relid, c, c, target, source, c) INTO n;
      EXCEPTION WHEN undefined_function THEN
        -- The column's type has no equality (json, xml, point): whether each
        -- value converts is all that can be checked.
        exact := false;
        EXECUTE format('SELECT count(%s::%s) FROM %s', c, target, relid) INTO n;
        n := 0;
      END;
    ELSE
      EXECUTE format('SELECT count(%s::%s) FROM %s', c, target, relid) INTO n;
      n := 0;
    END IF;
    RETURN n;
  EXCEPTION WHEN data_exception THEN
    n := 0;  -- some value fails: count them one distinct value at a time
  END;
  FOR r IN EXECUTE format('SELECT %s AS v, count(*) AS rows FROM %s WHERE %s IS NOT NULL GROUP BY 1',
                          c, relid, c) LOOP
    BEGIN
      EXECUTE format('SELECT ($1::%s)::%s IS DISTINCT FROM $1', target, source)
        USING r.v INTO changed;
      IF exact AND changed THEN
        n := n + r.rows;
      END IF;
    EXCEPTION WHEN data_exception THEN
      n := n + r.rows;
    END;
  END LOOP;
  RETURN n;
END
$fn$;

-- The event trigger functions pin search_path in their C code, around the
-- insert into the log, instead of with a SET clause that cost every DDL of
-- every session a GUC save and restore.
ALTER FUNCTION selegic.capture_ddl_command_end() RESET search_path;
ALTER FUNCTION selegic.capture_sql_drop() RESET search_path;
ALTER FUNCTION selegic.capture_table_rewrite() RESET search_path;

-- selegic_acknowledge() refuses the rename of a field's column that the
-- metadata does not know yet (it would turn renamed_column into
-- missing_column + extra_column).
CREATE OR REPLACE FUNCTION selegic_acknowledge(log_id uuid, note text) RETURNS void
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

-- The drift kinds of selegic_drift(), in the SPEC's order: what a waiver may
-- name, and the rows of selegic.drift_summary.
CREATE FUNCTION selegic.drift_kinds() RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT k FROM unnest(ARRAY['missing_table', 'missing_primary_key', 'missing_column', 'renamed_column',
                             'type_mismatch', 'nullability_mismatch', 'default_mismatch', 'unique_mismatch',
                             'foreign_key_mismatch', 'extra_column', 'unmanaged_table', 'invalid_metadata']) k
$fn$;
COMMENT ON FUNCTION selegic.drift_kinds() IS
    'The kinds of difference selegic_drift() reports';

-- What selegic_watch() saw: one row per difference while it lasts. A
-- difference is a kind and an object, as a waiver names it: its expected and
-- actual may change while it lasts (the row follows them), and the rows that
-- selegic_drift() reports with the same kind and object (two invalid_metadata
-- rows of one column) are one difference, their values one per line.
-- Written only by selegic_watch().
CREATE TABLE selegic.drift_state (
    kind          text NOT NULL,
    object        text NOT NULL,
    entity_id     uuid,
    field_id      uuid,
    expected      text,
    actual        text,
    first_seen    timestamptz NOT NULL,
    last_seen     timestamptz NOT NULL,
    resolved_at   timestamptz,
    waived_until  timestamptz,
    id            uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid()
);
COMMENT ON TABLE selegic.drift_state IS
    'Differences found by selegic_watch(): when each appeared and when it went away';
-- The backstop against two watches opening one difference twice (they also
-- take an advisory lock): at most one open row per difference.
CREATE UNIQUE INDEX drift_state_open_idx ON selegic.drift_state (kind, object)
    WHERE resolved_at IS NULL;
REVOKE ALL ON selegic.drift_state FROM PUBLIC;
GRANT SELECT ON selegic.drift_state TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('selegic.drift_state', '');

-- When the watch last ran (and last wrote drift_state), kept apart from
-- drift_state so that a call that finds nothing new leaves drift_state
-- untouched. One row, or none before the first watch. Not dumped: a restored
-- database has not been watched yet.
CREATE TABLE selegic.watch_run (
    id              boolean PRIMARY KEY DEFAULT true CHECK (id),
    last_watch_at   timestamptz NOT NULL,
    last_change_at  timestamptz
);
COMMENT ON TABLE selegic.watch_run IS
    'When selegic_watch() last ran, and when it last changed selegic.drift_state';
REVOKE ALL ON selegic.watch_run FROM PUBLIC;
GRANT SELECT ON selegic.watch_run TO PUBLIC;

-- The watch: what appeared and what went away since the last call, one
-- NOTIFY per change. Meant for pg_cron, every minute.
--
-- SECURITY DEFINER, so that EXECUTE is the only grant a scheduling role needs
-- and nobody else can write drift_state. That is safe because the report runs
-- no user code (SPEC, "No trojan rides a DBA's call") and the function takes
-- no argument.
--
-- One watch at a time: the advisory lock (two int4 keys spelling "sele" and
-- "watc") makes a second caller wait, and in READ COMMITTED each statement
-- after it sees what the first one committed, so nothing is opened or
-- notified twice. Under REPEATABLE READ the second caller fails instead
-- (a unique violation or a serialization failure), which is safe too.
CREATE FUNCTION selegic_watch()
RETURNS TABLE(appeared int, resolved int, open int)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  watch_at timestamptz;
  previous_watch timestamptz;
  now_drift jsonb;
  events jsonb;
  wrote boolean;
  ev record;
BEGIN
  PERFORM pg_catalog.pg_advisory_xact_lock(1936026725, 2002875491);
  -- The clock after the lock: a caller that waited records a later time.
  watch_at := pg_catalog.clock_timestamp();
  SELECT w.last_watch_at INTO previous_watch FROM selegic.watch_run w;

  -- The drift now, computed once, one entry per kind and object. The
  -- argument's type is spelled out: a selegic_drift() without arguments that
  -- someone created in the extension's schema must not be chosen (or make
  -- the call ambiguous) in a function that runs as the extension's owner.
  SELECT coalesce(jsonb_agg(d), '[]') INTO now_drift
  FROM (SELECT r.kind, r.object,
               (array_agg(r.entity_id ORDER BY r.expected COLLATE "C", r.actual COLLATE "C"))[1] AS entity_id,
               (array_agg(r.field_id ORDER BY r.expected COLLATE "C", r.actual COLLATE "C"))[1] AS field_id,
               string_agg(r.expected, E'\n' ORDER BY r.expected COLLATE "C", r.actual COLLATE "C") AS expected,
               string_agg(r.actual, E'\n' ORDER BY r.expected COLLATE "C", r.actual COLLATE "C") AS actual,
               max(r.waived_until) AS waived_until
        FROM @extschema@.selegic_drift(NULL::uuid) r
        GROUP BY r.kind, r.object) d;

  -- One statement, one snapshot: rows that went away, rows that changed,
  -- rows that are new. The three sets are disjoint. A row that was waived at
  -- the last watch is silent whatever happens to it; one whose waiver ended
  -- appears (again).
  WITH now_rows AS (
    SELECT * FROM jsonb_to_recordset(now_drift)
      AS c(kind text, object text, entity_id uuid, field_id uuid, expected text, actual text,
           waived_until timestamptz)
  ), gone AS (
    UPDATE selegic.drift_state s
    SET resolved_at = watch_at, last_seen = coalesce(previous_watch, s.last_seen)
    WHERE s.resolved_at IS NULL
      AND NOT EXISTS (SELECT FROM now_rows c WHERE c.kind = s.kind AND c.object = s.object)
    RETURNING s.kind, s.object, s.entity_id, s.field_id, s.waived_until IS NULL AS tell
  ), changed AS (
    UPDATE selegic.drift_state s
    SET entity_id = c.entity_id, field_id = c.field_id, expected = c.expected, actual = c.actual,
        waived_until = c.waived_until, last_seen = watch_at
    FROM (SELECT c.*, o.id AS state_id, o.waived_until AS was_waived_until
          FROM now_rows c
          JOIN selegic.drift_state o ON o.kind = c.kind AND o.object = c.object AND o.resolved_at IS NULL
          WHERE (o.entity_id, o.field_id, o.expected, o.actual, o.waived_until)
                IS DISTINCT FROM (c.entity_id, c.field_id, c.expected, c.actual, c.waived_until)) c
    WHERE s.id = c.state_id
    RETURNING s.kind, s.object, s.entity_id, s.field_id,
              c.was_waived_until IS NOT NULL AND c.waived_until IS NULL AS tell
  ), opened AS (
    INSERT INTO selegic.drift_state (kind, object, entity_id, field_id, expected, actual,
                                     first_seen, last_seen, waived_until)
    SELECT c.kind, c.object, c.entity_id, c.field_id, c.expected, c.actual, watch_at, watch_at, c.waived_until
    FROM now_rows c
    WHERE NOT EXISTS (SELECT FROM selegic.drift_state o
                      WHERE o.kind = c.kind AND o.object = c.object AND o.resolved_at IS NULL)
    RETURNING kind, object, entity_id, field_id, waived_until IS NULL AS tell
  ), news AS (
    SELECT 1 AS ord, 'drift resolved' AS action, g.kind, g.object, g.entity_id, g.field_id, g.tell
    FROM gone g
    UNION ALL
    SELECT 2, 'drift appeared', x.kind, x.object, x.entity_id, x.field_id, x.tell FROM changed x
    UNION ALL
    SELECT 2, 'drift appeared', n.kind, n.object, n.entity_id, n.field_id, n.tell FROM opened n
  )
  SELECT coalesce(jsonb_agg(jsonb_build_object('action', e.action, 'kind', e.kind, 'object', e.object,
                                               'entity_id', e.entity_id, 'field_id', e.field_id)
                            ORDER BY e.ord, e.object COLLATE "C", e.kind COLLATE "C")
                  FILTER (WHERE e.tell), '[]'),
         count(*) > 0
  INTO events, wrote
  FROM news e;

  appeared := 0;
  resolved := 0;
  FOR ev IN SELECT * FROM jsonb_to_recordset(events)
                AS e(action text, kind text, object text, entity_id uuid, field_id uuid) LOOP
    -- The same spelling as the drift log's notifications.
    PERFORM pg_catalog.pg_notify('selegic_drift',
      pg_catalog.format('{"action": %s, "kind": %s, "object": %s, "entity_id": %s, "field_id": %s}',
                        to_json(ev.action), to_json(ev.kind), to_json(ev.object),
                        coalesce(to_json(ev.entity_id)::text, 'null'),
                        coalesce(to_json(ev.field_id)::text, 'null')));
    IF ev.action = 'drift appeared' THEN
      appeared := appeared + 1;
    ELSE
      resolved := resolved + 1;
    END IF;
  END LOOP;

  SELECT count(*) INTO open FROM selegic.drift_state s
  WHERE s.resolved_at IS NULL AND s.waived_until IS NULL;

  INSERT INTO selegic.watch_run AS w (id, last_watch_at, last_change_at)
  VALUES (true, watch_at, CASE WHEN wrote THEN watch_at END)
  ON CONFLICT (id) DO UPDATE
  SET last_watch_at = excluded.last_watch_at,
      last_change_at = coalesce(excluded.last_change_at, w.last_change_at);
  RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION selegic_watch() IS
    'Records in selegic.drift_state the drift that appeared and went away since the last call, with a NOTIFY selegic_drift for each; for pg_cron';
REVOKE EXECUTE ON FUNCTION selegic_watch() FROM PUBLIC;

-- selegic_status() gains capture, open_drift, last_watch_at and
-- problem_codes at the end of its result: a new result type, so the function
-- is made again (same name, default ACL). Nothing in the extension depends on
-- it; a view of a user's that does makes the update fail, and says so.
DROP FUNCTION selegic_status();
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

-- The fleet's subscribe helpers refuse a missing connection string and a
-- tenant name that cannot name a subscription, instead of leaking 22004 or
-- returning a statement that fails later.
CREATE OR REPLACE FUNCTION selegic_fleet_subscribe_metadata(central_conninfo text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  -- format('%L', NULL) is the word NULL: a statement that fails only later.
  IF central_conninfo IS NULL OR btrim(central_conninfo) = '' THEN
    RAISE EXCEPTION 'a connection string to the central database is required'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass the libpq connection string by which this tenant reaches the central metadata database, such as ''host=central.example dbname=selegic_central''.';
  END IF;
  RETURN format('CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION selegic_metadata WITH (copy_data = true)',
                'selegic_metadata_' || selegic.fleet_member_name(current_database()),
                central_conninfo);
END
$fn$;
CREATE OR REPLACE FUNCTION selegic_fleet_subscribe_drift(tenant_conninfo text, tenant_name text) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF tenant_conninfo IS NULL OR btrim(tenant_conninfo) = '' THEN
    RAISE EXCEPTION 'a connection string to the tenant is required'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass the libpq connection string by which the central database reaches the tenant, such as ''host=tenant1.example dbname=tenant_one''.';
  END IF;
  IF tenant_name IS NULL THEN
    RAISE EXCEPTION 'a tenant name is required'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'The subscription is named selegic_drift_ followed by the tenant name in lower case, letters, digits and underscores only.',
            HINT = 'Use the tenant''s database name.';
  END IF;
  IF selegic.fleet_member_name(tenant_name) !~ '[a-z0-9]' THEN
    RAISE EXCEPTION 'tenant name "%" has no letter or digit', tenant_name
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'The subscription is named selegic_drift_ followed by the tenant name in lower case, letters, digits and underscores only.',
            HINT = 'Use the tenant''s database name.';
  END IF;
  RETURN format('CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION selegic_drift_log WITH (copy_data = true)',
                'selegic_drift_' || selegic.fleet_member_name(tenant_name),
                tenant_conninfo);
END
$fn$;

-- Waivers are written only through these two, which check what the table's
-- constraints cannot say: a known kind, an end in the future. SECURITY
-- DEFINER so that EXECUTE is all a role needs; created_by records the
-- session user.
CREATE FUNCTION selegic_waive(kind text, object text, until timestamptz, reason text) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  kinds text := (SELECT string_agg(k, ', ') FROM selegic.drift_kinds() k);
  waiver_id uuid;
BEGIN
  IF $1 IS NULL THEN
    RAISE EXCEPTION 'a waiver needs a kind'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = format('A waiver names a kind as selegic_drift() reports it: %s.', kinds);
  END IF;
  IF NOT $1 IN (SELECT k FROM selegic.drift_kinds() k) THEN
    RAISE EXCEPTION 'unknown drift kind "%"', $1
      USING ERRCODE = 'invalid_parameter_value',
            HINT = format('A waiver names a kind as selegic_drift() reports it: %s.', kinds);
  END IF;
  IF $2 IS NULL OR btrim($2) = '' THEN
    RAISE EXCEPTION 'a waiver needs an object'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give the object as selegic_drift() reports it, such as public.orders.amount.';
  END IF;
  IF $3 IS NULL OR $3 <= now() THEN
    RAISE EXCEPTION 'a waiver must end in the future'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('until is %s, and now is %s.', coalesce($3::text, 'null'), now()),
            HINT = 'A waiver accepts a difference until a date; there is no waiver without an end.';
  END IF;
  IF $4 IS NULL OR btrim($4) = '' THEN
    RAISE EXCEPTION 'a waiver needs a reason'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Say why the difference is accepted, for whoever finds it when the waiver ends.';
  END IF;
  INSERT INTO selegic.waiver AS w (kind, object, until, reason)
  VALUES ($1, $2, $3, $4)
  RETURNING w.id INTO waiver_id;
  -- A waiver may come before its difference (a planned change), but an
  -- object spelled differently from the report never matches: say so.
  IF NOT EXISTS (SELECT FROM @extschema@.selegic_drift(NULL::uuid) d WHERE d.kind = $1 AND d.object = $2) THEN
    RAISE NOTICE 'no % of % is reported now', $1, $2
      USING DETAIL = 'The waiver applies once selegic_drift() reports this kind and object, spelled exactly so.';
  END IF;
  RETURN waiver_id;
END
$fn$;
COMMENT ON FUNCTION selegic_waive(text, text, timestamptz, text) IS
    'Accepts one difference (kind and object, as selegic_drift() reports them) until a time, for a reason: the repairs skip it and the watch does not notify it';
REVOKE EXECUTE ON FUNCTION selegic_waive(text, text, timestamptz, text) FROM PUBLIC;

-- Ends a waiver at once by deleting it; false when there is no such waiver.
CREATE FUNCTION selegic_unwaive(waiver_id uuid) RETURNS boolean
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  DELETE FROM selegic.waiver w WHERE w.id = waiver_id;
  RETURN FOUND;
END
$fn$;
COMMENT ON FUNCTION selegic_unwaive(uuid) IS
    'Removes a waiver: its difference counts again; false when no waiver has that id';
REVOKE EXECUTE ON FUNCTION selegic_unwaive(uuid) FROM PUBLIC;

-- For monitoring (a Prometheus exporter's custom query, say): the open drift
-- of the last watch by kind, one row for every kind so that no series
-- disappears when its count drops to zero.
CREATE VIEW selegic.drift_summary AS
SELECT k.kind,
       count(s.kind) FILTER (WHERE s.waived_until IS NULL) AS open,
       count(s.kind) FILTER (WHERE s.waived_until IS NOT NULL) AS waived,
       min(s.first_seen) FILTER (WHERE s.waived_until IS NULL) AS open_since,
       (SELECT w.last_watch_at FROM selegic.watch_run w) AS last_watch_at
FROM selegic.drift_kinds() WITH ORDINALITY AS k(kind, ord)
LEFT JOIN selegic.drift_state s ON s.kind = k.kind AND s.resolved_at IS NULL
GROUP BY k.kind, k.ord
ORDER BY k.ord;
COMMENT ON VIEW selegic.drift_summary IS
    'Open drift from the last selegic_watch() by kind: not waived, waived, the oldest open since';
GRANT SELECT ON selegic.drift_summary TO PUBLIC;

-- Log retention, for pg_cron too. Resolved rows only, of the drift log and
-- of the watch's drift_state alike; an unresolved row is never deleted.
-- SECURITY DEFINER: ordinary roles cannot delete log rows.
CREATE FUNCTION selegic_purge_log(older_than interval DEFAULT '90 days') RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  cutoff timestamptz;
  from_log bigint;
  from_state bigint;
BEGIN
  -- NULL is no age at all: nothing is old enough.
  IF older_than IS NULL THEN
    RETURN 0;
  END IF;
  IF older_than < interval '0' THEN
    RAISE EXCEPTION 'older_than must not be negative'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('older_than is %s.', older_than),
            HINT = 'Give how long resolved rows are kept, such as ''90 days''; ''0'' deletes every resolved row.';
  END IF;
  cutoff := now() - older_than;
  DELETE FROM selegic.drift_log l WHERE l.resolved_at < cutoff;
  GET DIAGNOSTICS from_log = ROW_COUNT;
  DELETE FROM selegic.drift_state s WHERE s.resolved_at < cutoff;
  GET DIAGNOSTICS from_state = ROW_COUNT;
  RETURN from_log + from_state;
END
$fn$;
COMMENT ON FUNCTION selegic_purge_log(interval) IS
    'Deletes rows of selegic.drift_log and selegic.drift_state resolved longer ago than older_than; returns how many';
REVOKE EXECUTE ON FUNCTION selegic_purge_log(interval) FROM PUBLIC;

-- Monitoring: counters since the server started (shared memory, with
-- shared_preload_libraries).
CREATE FUNCTION selegic_counters(
    OUT ddl_captured bigint, OUT ddl_blocked bigint, OUT capture_failures bigint,
    OUT repairs_run bigint, OUT repairs_failed bigint, OUT reports bigint,
    OUT since timestamptz, OUT counting boolean)
AS 'MODULE_PATHNAME', 'selegic_counters'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION selegic_counters() IS
    'Counters since the server started: DDL captured and blocked, capture failures, repairs run and failed, reports';
CREATE VIEW selegic.counters AS SELECT * FROM selegic_counters();
COMMENT ON VIEW selegic.counters IS
    'Counters since the server started (needs shared_preload_libraries = ''selegic_drift'')';
GRANT SELECT ON selegic.counters TO PUBLIC;
