-- Monitoring: counters since the server started, for a Prometheus exporter's
-- custom query. They need the library in shared_preload_libraries (shared
-- memory); otherwise the counts are NULL and counting is false.
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
