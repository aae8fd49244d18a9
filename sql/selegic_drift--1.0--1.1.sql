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
