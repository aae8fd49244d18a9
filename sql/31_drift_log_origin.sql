-- Who is the API: sessions whose session_user is a member (by GRANT) of a role
-- in selegic.api_roles, or SQL run through selegic_api_execute(). Nobody else
-- passes for it. And what manual DDL does under selegic.manual_ddl.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
CREATE ROLE regress_api_group NOLOGIN;
CREATE ROLE regress_api LOGIN IN ROLE regress_api_group;
CREATE ROLE regress_dba LOGIN SUPERUSER;
CREATE ROLE regress_plain LOGIN;
CREATE SCHEMA og;
GRANT USAGE, CREATE ON SCHEMA og TO regress_api, regress_api_group, regress_plain;
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000001', 't', 'og', 't');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, is_nullable)
VALUES ('00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000001', 'a', 'a', 'n', 'integer', false);
CREATE TABLE og.t (id uuid PRIMARY KEY, a integer NOT NULL);
ALTER TABLE og.t OWNER TO regress_api_group;
SELECT current_database() AS db \gset
ALTER DATABASE :"db" SET selegic.api_roles = 'regress_api_group';
TRUNCATE selegic.drift_log;

-- Ordinary roles cannot change who is the API, nor the policy.
SET ROLE regress_plain;
SET selegic.api_roles = 'regress_plain';
SET selegic.manual_ddl = 'log';
SET selegic.log_api_ddl = on;
SELECT selegic_api_execute('ALTER TABLE og.t ADD COLUMN forged int');
RESET ROLE;

-- A member of the API group is the API: not logged.
\c - regress_api
ALTER TABLE og.t ADD COLUMN api_1 int;
-- A superuser in psql is manual, also after SET ROLE to the API's role.
\c - regress_dba
ALTER TABLE og.t ADD COLUMN dba_1 int;
SET ROLE regress_api;
ALTER TABLE og.t ADD COLUMN dba_as_api int;
RESET ROLE;
-- selegic_api_execute() makes DDL the API's.
SELECT selegic_api_execute('ALTER TABLE og.t ADD COLUMN api_2 int');
SELECT origin, action, session_user_name, current_user_name, query
FROM selegic.drift_log ORDER BY occurred_at;

-- With selegic.log_api_ddl the API's DDL is logged too, as 'api'.
SET selegic.log_api_ddl = on;
SELECT selegic_api_execute('ALTER TABLE og.t ADD COLUMN api_3 int');
SELECT origin, action, query FROM selegic.drift_log WHERE origin = 'api';
RESET selegic.log_api_ddl;

-- warn: the client hears about it, naming entity and field.
SET selegic.manual_ddl = warn;
\set VERBOSITY default
ALTER TABLE og.t ALTER COLUMN a DROP NOT NULL;
-- block: refused with a hint, and rolled back.
SET selegic.manual_ddl = block;
ALTER TABLE og.t ALTER COLUMN a TYPE bigint;
DROP TABLE og.t;
\set VERBOSITY terse
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'og.t'::regclass AND attname = 'a';
-- Under block the API still works, and so does the repair, which is the API's tool.
SELECT selegic_api_execute('ALTER TABLE og.t ADD COLUMN api_4 int');
SELECT kind, object FROM selegic_drift() WHERE kind <> 'extra_column';
SELECT * FROM selegic_resync_all();
-- The repaired field's manual rows are resolved; the others wait for a human.
SELECT action, resolved_at IS NOT NULL AS resolved, resolution
FROM selegic.drift_log WHERE origin = 'manual' ORDER BY occurred_at;
RESET selegic.manual_ddl;

\c - postgres
ALTER DATABASE :"db" RESET selegic.api_roles;
DROP SCHEMA og CASCADE;
DROP ROLE regress_api;
DROP ROLE regress_api_group;
DROP ROLE regress_dba;
DROP ROLE regress_plain;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
