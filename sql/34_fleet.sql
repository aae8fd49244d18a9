-- Fleet helpers: publications, the CREATE SUBSCRIPTION statements to run with
-- \gexec, and the central view of unresolved drift per tenant.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;

SET client_min_messages = error;  -- no wal_level warning: it depends on the server
SELECT * FROM selegic_fleet_publish();
SELECT * FROM selegic_fleet_publish();  -- idempotent
RESET client_min_messages;
SELECT pubname, array_agg(schemaname || '.' || tablename ORDER BY tablename) AS tables
FROM pg_publication_tables WHERE pubname LIKE 'selegic%' GROUP BY 1 ORDER BY 1;
-- One tenant's TRUNCATE of its log must not empty the central copy.
SELECT pubname, pubinsert, pubupdate, pubdelete, pubtruncate
FROM pg_publication WHERE pubname LIKE 'selegic%' ORDER BY 1;

-- Connection strings are quoted as literals, names as identifiers.
SELECT selegic_fleet_subscribe_metadata('host=/tmp/central port=5432 dbname=central password=it''s');
SELECT selegic_fleet_subscribe_drift('host=/tmp/t1 dbname=tenant_one', 'Tenant One (EU)');
SELECT count(*) FROM selegic_fleet_status();

-- The central view: unresolved manual drift by tenant and entity.
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000001', 'orders', 'public', 'orders');
INSERT INTO selegic.drift_log (id, database_name, occurred_at, origin, command_tag, entity_id, resolved_at) VALUES
  ('10000000-0000-0000-0000-000000000001', 'tenant_one', '2026-11-01 10:00+00', 'manual', 'ALTER TABLE', '00000000-0000-0000-0000-000000000001', NULL),
  ('10000000-0000-0000-0000-000000000002', 'tenant_one', '2026-11-02 10:00+00', 'manual', 'ALTER TABLE', '00000000-0000-0000-0000-000000000001', NULL),
  ('10000000-0000-0000-0000-000000000003', 'tenant_two', '2026-11-03 10:00+00', 'manual', 'ALTER TABLE', '00000000-0000-0000-0000-000000000001', now()),
  ('10000000-0000-0000-0000-000000000004', 'tenant_two', '2026-11-04 10:00+00', 'api', 'ALTER TABLE', '00000000-0000-0000-0000-000000000001', NULL);
SELECT database_name, entity_slug, unresolved_manual, last_at FROM selegic.fleet_drift ORDER BY 1, 2;

-- Non-superusers cannot set the fleet up.
CREATE ROLE regress_plain;
SET ROLE regress_plain;
SELECT * FROM selegic_fleet_publish();
RESET ROLE;
DROP ROLE regress_plain;

DROP PUBLICATION selegic_metadata;
DROP PUBLICATION selegic_drift_log;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
