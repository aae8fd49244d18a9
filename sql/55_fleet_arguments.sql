-- The fleet's subscribe helpers refuse what cannot make a working, unique
-- CREATE SUBSCRIPTION: a missing connection string, a tenant name that is
-- missing or has no letter or digit. Each is SQLSTATE 22023.
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT selegic_fleet_subscribe_drift(NULL, NULL);
\echo :SQLSTATE
SELECT selegic_fleet_subscribe_drift('', 'tenant_one');
\echo :SQLSTATE
SELECT selegic_fleet_subscribe_drift('host=/tmp/t1 dbname=tenant_one', NULL);
\echo :SQLSTATE
SELECT selegic_fleet_subscribe_drift('host=/tmp/t1 dbname=tenant_one', '');
\echo :SQLSTATE
SELECT selegic_fleet_subscribe_drift('host=/tmp/t1 dbname=tenant_one', '*** ___');
\echo :SQLSTATE
SELECT selegic_fleet_subscribe_metadata(NULL);
\echo :SQLSTATE
SELECT selegic_fleet_subscribe_metadata('  ');
\echo :SQLSTATE
-- Good arguments still give the statement.
SELECT selegic_fleet_subscribe_drift('host=/tmp/t1 dbname=tenant_one', 'Tenant One (EU)');
SELECT selegic_fleet_subscribe_metadata('host=/tmp/central dbname=central') LIKE 'CREATE SUBSCRIPTION selegic_metadata_% CONNECTION ''host=/tmp/central dbname=central'' PUBLICATION selegic_metadata WITH (copy_data = true)' AS statement;
