-- No trojan rides a DBA's call. A table owner (regress_tenant) and a role
-- that may only write metadata (regress_meta) plant functions in defaults,
-- in default_expr and in a domain's CHECK; a superuser then runs the report
-- and a repair. The report runs none of them; the repair runs the owner's
-- code as the owner, in a security-restricted operation, where ALTER ROLE
-- ... SUPERUSER fails.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
CREATE ROLE regress_tenant LOGIN;
CREATE ROLE regress_meta LOGIN;
GRANT INSERT, UPDATE, DELETE ON selegic.entity, selegic.field TO regress_meta;
CREATE SCHEMA app AUTHORIZATION regress_tenant;
GRANT USAGE ON SCHEMA app TO regress_meta;

SET ROLE regress_tenant;
CREATE TABLE app.trace (who name, what text);
GRANT INSERT ON app.trace TO PUBLIC;
-- Records who ran it, then tries to make its author a superuser.
CREATE FUNCTION app.do_evil() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  INSERT INTO app.trace VALUES (current_user, 'ran');
  BEGIN
    EXECUTE 'ALTER ROLE regress_tenant SUPERUSER';
    INSERT INTO app.trace VALUES (current_user, 'became superuser');
  EXCEPTION WHEN insufficient_privilege THEN
    INSERT INTO app.trace VALUES (current_user, 'ALTER ROLE refused');
  END;
  RETURN 'x';
END $$;
-- Lies about being IMMUTABLE, so that constant folding would call it.
CREATE FUNCTION app.evil() RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN PERFORM app.do_evil(); RETURN 'x'; END $$;
CREATE FUNCTION app.evil_check(text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN PERFORM app.do_evil(); RETURN true; END $$;
CREATE DOMAIN app.checked AS text CHECK (app.evil_check(VALUE));
CREATE TABLE app.orders (id uuid PRIMARY KEY, note text DEFAULT app.evil(), tags app.checked[]);
INSERT INTO app.orders (id) VALUES ('00000000-0000-0000-0000-0000000000a1'), ('00000000-0000-0000-0000-0000000000a2');
TRUNCATE app.trace;
RESET ROLE;

SET ROLE regress_meta;
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000001', 'orders', 'app', 'orders');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, default_expr) VALUES
  -- the same trojan as the stored default: equal as trees, without folding
  ('00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000001', 'note', 'note', 't', 'text', 'app.evil()'),
  -- parsing this literal would run the domain's CHECK: refused, reported
  ('00000000-0000-0000-0000-000000000012', '00000000-0000-0000-0000-000000000001', 'tags', 'tags', 't', 'app.checked[]', '''{a}'''),
  -- a missing column whose default a repair must evaluate for each row
  ('00000000-0000-0000-0000-000000000013', '00000000-0000-0000-0000-000000000001', 'extra', 'extra', 't', 'text', 'app.do_evil()');
RESET ROLE;

-- The report, as a superuser: nothing of theirs runs.
SELECT kind, object, expected, actual FROM selegic_drift();
SELECT count(*) AS calls_during_report FROM app.trace;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_tenant';

-- A repair evaluates the missing column's default for each row: as the
-- owner, restricted, so ALTER ROLE is refused.
SELECT * FROM selegic_resync('00000000-0000-0000-0000-000000000013');
SELECT who, what, count(*) FROM app.trace GROUP BY who, what ORDER BY who, what;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_tenant';

-- A default that reads a server file runs as the owner, who may not.
UPDATE selegic.field SET column_name = 'host', slug = 'host', default_expr = 'pg_read_file(''/etc/hostname'')'
WHERE id = '00000000-0000-0000-0000-000000000013';
SELECT * FROM selegic_resync('00000000-0000-0000-0000-000000000013');
SELECT count(*) AS host_column FROM pg_attribute WHERE attrelid = 'app.orders'::regclass AND attname = 'host';

-- DDL that such code runs inside a repair is not the API's: under block it
-- is refused, and the repair with it.
SET ROLE regress_tenant;
CREATE TABLE app.other (id uuid PRIMARY KEY);
CREATE FUNCTION app.sneaky() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
BEGIN EXECUTE 'ALTER TABLE app.other ADD COLUMN IF NOT EXISTS sneaked int'; RETURN 's'; END $$;
RESET ROLE;
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000002', 'other', 'app', 'other');
UPDATE selegic.field SET column_name = 'sneak', slug = 'sneak', default_expr = 'app.sneaky()'
WHERE id = '00000000-0000-0000-0000-000000000013';
SET selegic.manual_ddl = block;
SELECT * FROM selegic_resync('00000000-0000-0000-0000-000000000013');
RESET selegic.manual_ddl;
SELECT count(*) AS sneaked FROM pg_attribute WHERE attrelid = 'app.other'::regclass AND attname = 'sneaked';
-- Under log the repair goes ahead and the sneaked column is manual drift.
SELECT * FROM selegic_resync('00000000-0000-0000-0000-000000000013');
SELECT origin, action, object_identity, current_user_name FROM selegic.drift_log
WHERE object_identity LIKE 'app.other%' ORDER BY action;

-- The caller's own rights still count: a role that does not own the table
-- cannot repair it through the owner's identity.
CREATE ROLE regress_repairer LOGIN;
GRANT EXECUTE ON FUNCTION selegic_resync(uuid, boolean) TO regress_repairer;
GRANT USAGE ON SCHEMA app TO regress_repairer;
UPDATE selegic.field SET column_name = 'late', slug = 'late', default_expr = NULL
WHERE id = '00000000-0000-0000-0000-000000000013';
SET ROLE regress_repairer;
SELECT * FROM selegic_resync('00000000-0000-0000-0000-000000000013');
RESET ROLE;

DROP SCHEMA app CASCADE;
REVOKE ALL ON selegic.entity, selegic.field FROM regress_meta;
REVOKE ALL ON FUNCTION selegic_resync(uuid, boolean) FROM regress_repairer;
DROP ROLE regress_tenant, regress_meta, regress_repairer;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
