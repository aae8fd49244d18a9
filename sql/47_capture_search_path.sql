-- The capture does not trust the session's search_path: a DDL statement whose
-- default changes search_path while it runs cannot make a managed table look
-- unmanaged, and a DBA's trigger on the log sees search_path pinned to
-- pg_catalog, whatever the DDL's session set.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
CREATE SCHEMA sp_app;
CREATE SCHEMA sp_plain;
CREATE TABLE sp_app.orders (id uuid PRIMARY KEY);
CREATE TABLE sp_plain.orders (id uuid PRIMARY KEY);
INSERT INTO sp_app.orders VALUES (gen_random_uuid());
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000001', 'orders', 'sp_app', 'orders');
-- Switches the session's search_path while ADD CONSTRAINT checks the rows
-- (no rewrite: only ddl_command_end sees the statement, from its parse tree).
CREATE FUNCTION public.switch_path(uuid) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM set_config('search_path', 'sp_plain', false); RETURN true; END $$;
SET selegic.manual_ddl = block;
SET search_path = sp_app, public;
ALTER TABLE orders ADD CONSTRAINT sneaky CHECK (switch_path(id));
SHOW search_path;
RESET search_path;
RESET selegic.manual_ddl;
SELECT count(*) AS sneaky FROM pg_constraint WHERE conrelid = 'sp_app.orders'::regclass AND conname = 'sneaky';
-- Under log it is recorded, under its real name.
SET search_path = sp_app, public;
ALTER TABLE orders ADD CONSTRAINT sneaky CHECK (switch_path(id));
RESET search_path;
SELECT action, object_identity FROM selegic.drift_log ORDER BY action;

-- A DBA's trigger on the log, with an unqualified lower(); a session that
-- puts its own lower() first on search_path does not change what it calls.
CREATE SCHEMA sp_evil;
CREATE FUNCTION sp_evil.lower(text) RETURNS text LANGUAGE sql AS $$ SELECT 'pwned' $$;
CREATE TABLE public.sp_audit (tag text);
CREATE FUNCTION public.sp_audit_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.sp_audit VALUES (lower(NEW.command_tag)); RETURN NULL; END $$;
CREATE TRIGGER sp_audit AFTER INSERT ON selegic.drift_log FOR EACH ROW EXECUTE FUNCTION public.sp_audit_log();
SET search_path = sp_evil, pg_catalog, public;
ALTER TABLE sp_app.orders ADD COLUMN other int;
RESET search_path;
SELECT tag FROM public.sp_audit;
-- The event trigger functions have no SET clause: their search_path is
-- pinned in their C code (see docs/security.md).
SELECT p.proname, p.prosecdef, p.proconfig FROM pg_proc p
WHERE p.pronamespace = 'selegic'::regnamespace AND p.proname LIKE 'capture_%' ORDER BY 1;

DROP TRIGGER sp_audit ON selegic.drift_log;
DROP TABLE public.sp_audit;
DROP SCHEMA sp_app, sp_plain, sp_evil CASCADE;
DROP FUNCTION public.sp_audit_log(), public.switch_path(uuid);
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
