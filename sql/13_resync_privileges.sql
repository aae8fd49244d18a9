-- EXECUTE on the repair functions is revoked from PUBLIC: a DBA grants it.
-- Repairs run with the caller's rights, so the grantee must own the tables.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
CREATE ROLE regress_plain LOGIN;
CREATE ROLE regress_repairer LOGIN;
CREATE SCHEMA rp AUTHORIZATION regress_repairer;
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000001', 't', 'rp', 't');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type)
VALUES ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000001', 'x', 'x', 'text', 'text');

SELECT p.oid::regprocedure AS function, has_function_privilege('regress_plain', p.oid, 'EXECUTE') AS plain_may
FROM pg_proc p WHERE proname LIKE 'selegic\_resync%' ORDER BY 1;

SET ROLE regress_plain;
SELECT * FROM selegic_resync_all();
SELECT * FROM selegic_resync('00000000-0000-0000-0000-000000000002');
SELECT * FROM selegic_resync_entity('00000000-0000-0000-0000-000000000001');
SELECT count(*) FROM selegic_drift();  -- reading drift needs no grant
RESET ROLE;

GRANT EXECUTE ON FUNCTION selegic_resync_all(boolean) TO regress_repairer;
SET ROLE regress_repairer;
SELECT * FROM selegic_resync_all();
SELECT * FROM selegic_resync_all();
RESET ROLE;
SELECT tableowner FROM pg_tables WHERE schemaname = 'rp';

DROP SCHEMA rp CASCADE;
REVOKE EXECUTE ON FUNCTION selegic_resync_all(boolean) FROM regress_repairer;
DROP ROLE regress_plain;
DROP ROLE regress_repairer;
TRUNCATE selegic.entity CASCADE;
