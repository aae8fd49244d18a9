-- Drift over time: waivers of known differences.

-- One known difference (kind + object, as selegic_drift() reports them)
-- accepted until a date: still reported, with waived_until, but skipped by
-- the repairs. Written through selegic_waive() / selegic_unwaive().
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
