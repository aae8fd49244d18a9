-- The fleet: metadata in from the central database, drift out to it, with
-- PostgreSQL's own logical replication. CREATE SUBSCRIPTION cannot run inside
-- a function (it creates a replication slot outside any transaction), so the
-- subscribe helpers return the statement for psql's \gexec.

-- A name for this database in slot and subscription names: lower case,
-- [a-z0-9_] only, short enough to leave room for a prefix.
CREATE FUNCTION selegic.fleet_member_name(raw text) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT left(regexp_replace(lower(raw), '[^a-z0-9_]+', '_', 'g'), 40) $$;

CREATE FUNCTION selegic_fleet_publish() RETURNS SETOF text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_publication WHERE pubname = 'selegic_metadata') THEN
    CREATE PUBLICATION selegic_metadata FOR TABLE selegic.entity, selegic.field;
    RETURN NEXT 'CREATE PUBLICATION selegic_metadata FOR TABLE selegic.entity, selegic.field;';
  END IF;
  -- No TRUNCATE: emptying one tenant's log must not empty the central copy,
  -- which holds every tenant's rows.
  IF NOT EXISTS (SELECT FROM pg_publication WHERE pubname = 'selegic_drift_log') THEN
    CREATE PUBLICATION selegic_drift_log FOR TABLE selegic.drift_log
      WITH (publish = 'insert, update, delete');
    RETURN NEXT 'CREATE PUBLICATION selegic_drift_log FOR TABLE selegic.drift_log WITH (publish = ''insert, update, delete'');';
  END IF;
END
$fn$;
COMMENT ON FUNCTION selegic_fleet_publish() IS
    'Creates the publications selegic_metadata (entity, field) and selegic_drift_log, where missing; returns what it created';
REVOKE EXECUTE ON FUNCTION selegic_fleet_publish() FROM PUBLIC;

-- Run on a tenant: the statement that subscribes it to the central metadata.
CREATE FUNCTION selegic_fleet_subscribe_metadata(central_conninfo text) RETURNS text
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
COMMENT ON FUNCTION selegic_fleet_subscribe_metadata(text) IS
    'On a tenant: the CREATE SUBSCRIPTION statement that brings selegic.entity and selegic.field from the central database (run it with \gexec)';
REVOKE EXECUTE ON FUNCTION selegic_fleet_subscribe_metadata(text) FROM PUBLIC;

-- Run on the central database: the statement that brings one tenant's log.
-- The tenant's name becomes the subscription's (and its slot's): a name
-- with no letter or digit would leave "selegic_drift_" plus underscores,
-- which every other such name collides with.
CREATE FUNCTION selegic_fleet_subscribe_drift(tenant_conninfo text, tenant_name text) RETURNS text
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
COMMENT ON FUNCTION selegic_fleet_subscribe_drift(text, text) IS
    'On the central database: the CREATE SUBSCRIPTION statement that brings one tenant''s selegic.drift_log (run it with \gexec)';
REVOKE EXECUTE ON FUNCTION selegic_fleet_subscribe_drift(text, text) FROM PUBLIC;

-- Where each selegic subscription stands: is it running, how far behind.
CREATE FUNCTION selegic_fleet_status()
RETURNS TABLE(subscription name, enabled boolean, worker_running boolean,
              received_lsn pg_lsn, last_message_at timestamptz, seconds_behind double precision)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT s.subname, s.subenabled, st.pid IS NOT NULL, st.received_lsn, st.last_msg_receipt_time,
         extract(epoch FROM now() - st.latest_end_time)::double precision
  FROM pg_subscription s
  LEFT JOIN pg_stat_subscription st ON st.subid = s.oid AND st.relid IS NULL
  WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND s.subname LIKE 'selegic\_%'
  ORDER BY 1
$fn$;
COMMENT ON FUNCTION selegic_fleet_status() IS
    'The selegic subscriptions of this database: enabled, worker running, last message, seconds behind';

-- On the central database: unresolved manual drift per tenant and entity.
CREATE VIEW selegic.fleet_drift AS
SELECT l.database_name, l.entity_id, e.slug AS entity_slug,
       count(*) AS unresolved_manual, max(l.occurred_at) AS last_at
FROM selegic.drift_log l
LEFT JOIN selegic.entity e ON e.id = l.entity_id
WHERE l.origin = 'manual' AND l.resolved_at IS NULL
GROUP BY l.database_name, l.entity_id, e.slug;
COMMENT ON VIEW selegic.fleet_drift IS
    'Unresolved manual drift by tenant database and entity (on the central database, across the fleet)';
GRANT SELECT ON selegic.fleet_drift TO PUBLIC;
