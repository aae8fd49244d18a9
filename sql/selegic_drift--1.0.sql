-- selegic_drift 1.0. Built by make from sql/install/*.sql, in name order.
\echo Use "CREATE EXTENSION selegic_drift" to load this file. \quit
-- The schema and the replicated metadata tables.

CREATE SCHEMA selegic;
COMMENT ON SCHEMA selegic IS 'Replicated Selegic metadata and the drift log';

CREATE TABLE selegic.entity (
    id           uuid PRIMARY KEY,
    slug         text NOT NULL UNIQUE,
    schema_name  name NOT NULL DEFAULT 'public',
    table_name   name NOT NULL,
    primary_key  name NOT NULL DEFAULT 'id',
    UNIQUE (schema_name, table_name)
);
COMMENT ON TABLE selegic.entity IS 'Selegic entities (one table each), replicated from the central metadata database';

CREATE TABLE selegic.field (
    id                 uuid PRIMARY KEY,
    entity_id          uuid NOT NULL REFERENCES selegic.entity ON DELETE CASCADE,
    slug               text NOT NULL,
    column_name        name NOT NULL,
    field_type         text NOT NULL,
    sql_type           text NOT NULL,
    is_nullable        boolean NOT NULL DEFAULT true,
    default_expr       text,
    is_unique          boolean NOT NULL DEFAULT false,
    references_entity  uuid REFERENCES selegic.entity,
    on_delete          text NOT NULL DEFAULT 'no action'
                       CHECK (on_delete IN ('no action','restrict','cascade','set null','set default')),
    UNIQUE (entity_id, slug),
    UNIQUE (entity_id, column_name)
);
COMMENT ON TABLE selegic.field IS 'Selegic fields (one column each), replicated from the central metadata database';

-- Relation fields are looked up by target when an entity is checked or dropped.
CREATE INDEX field_references_entity_idx ON selegic.field (references_entity)
    WHERE references_entity IS NOT NULL;

SELECT pg_catalog.pg_extension_config_dump('selegic.entity', '');
SELECT pg_catalog.pg_extension_config_dump('selegic.field', '');

-- Metadata is written by the API (or by replication); everyone else may read it.
GRANT USAGE ON SCHEMA selegic TO PUBLIC;
GRANT SELECT ON selegic.entity, selegic.field TO PUBLIC;
-- The drift report. PARALLEL UNSAFE: it resolves metadata in subtransactions.
CREATE FUNCTION selegic_drift(entity_id uuid DEFAULT NULL)
RETURNS TABLE(kind text, entity_id uuid, field_id uuid, object text,
              expected text, actual text, fix text)
AS 'MODULE_PATHNAME', 'selegic_drift'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION selegic_drift(uuid) IS
    'Differences between the Selegic metadata and the catalog, one row each, with the SQL that repairs them';
-- Repair: selegic_resync*, and the check a dry run and a failed repair use
-- to count the rows a type change cannot convert.

-- Rows of rel whose col does not convert to target; with exact, also rows
-- whose value would not come back unchanged (converted to target and back to
-- the column's type): what an assignment cast would cut short or round.
-- Tries the whole column at once first, value by value only when that fails,
-- so the common case costs one scan.
CREATE FUNCTION selegic.uncastable_rows(rel text, col name, target text, exact boolean)
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
      EXECUTE format('SELECT count(*) FROM %s WHERE %s IS NOT NULL AND (%s::%s)::%s IS DISTINCT FROM %s',
                     relid, c, c, target, source, c) INTO n;
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
REVOKE EXECUTE ON FUNCTION selegic.uncastable_rows(text, name, text, boolean) FROM PUBLIC;

CREATE FUNCTION selegic_resync(field_id uuid, dry_run boolean DEFAULT false)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'selegic_resync'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION selegic_resync(uuid, boolean) IS
    'Repairs the drift of one field (creating its table if missing); returns the statements run, or with dry_run those that would run';

CREATE FUNCTION selegic_resync_entity(entity_id uuid, dry_run boolean DEFAULT false)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'selegic_resync_entity'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION selegic_resync_entity(uuid, boolean) IS
    'Repairs the drift of one entity; returns the statements run, or with dry_run those that would run';

CREATE FUNCTION selegic_resync_all(dry_run boolean DEFAULT false)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'selegic_resync_all'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION selegic_resync_all(boolean) IS
    'Repairs all fixable drift of every entity (Synchronize All); returns the statements run, or with dry_run those that would run';

-- Repairs run as the caller, who must own the tables as for any ALTER TABLE;
-- EXECUTE is granted by a DBA to the roles that may repair.
REVOKE EXECUTE ON FUNCTION selegic_resync(uuid, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION selegic_resync_entity(uuid, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION selegic_resync_all(boolean) FROM PUBLIC;
-- Runbook helpers: read-only catalog reports for the failures the Selegic
-- operations runbook lists (DDL failing at entity creation, "cannot drop
-- column", missing privileges). Plain SQL and PL/pgSQL: they only read the
-- catalog, so there is nothing for the C++ core to add.
--
-- They are SECURITY INVOKER and stay executable by PUBLIC: everything they
-- read (pg_class, pg_depend, pg_policy, pg_get_*def(), has_*_privilege(),
-- selegic.entity/field) is readable by every role already, and they change
-- nothing. Each `fix` is text for a human or the API to run, never run here.


-- selegic_preflight: what would make `CREATE TABLE schema.table` fail or go
-- wrong, checked for current_user. One row per problem, in the order in
-- which the fixes can be run; no rows means the name is safe.
--
-- problem codes (stable; the API may switch on them):
--   null_name        the schema or table name is NULL                 fix NULL
--   empty_name       the schema or table name is ''                   fix NULL
--   name_too_long    longer than max_identifier_length (63) bytes:    fix NULL
--                    PostgreSQL would silently truncate it
--   reserved_schema  pg_catalog, information_schema or a pg_* schema  fix NULL
--   schema_missing   the schema does not exist                        CREATE SCHEMA ... AUTHORIZATION current_user
--   no_usage         current_user lacks USAGE on the schema           GRANT USAGE ON SCHEMA ...
--   no_create        current_user lacks CREATE on the schema          GRANT CREATE ON SCHEMA ...
--   relation_exists  a table, partitioned table, view, materialized   ALTER <kind> ... RENAME TO <name>_stale
--                    view, sequence, index or foreign table holds     (the first free name; nothing is dropped)
--                    the name (detail names the kind)
--   type_exists      a composite type, domain, enum, range,           ALTER TYPE / ALTER DOMAIN ... RENAME TO
--                    multirange or base type holds the name: CREATE   <name>_stale; NULL for a shell type (someone
--                    TABLE makes a row type of the same name          is between CREATE TYPE steps: a human decides)
-- An invalid name stops the checks that depend on it: a missing or reserved
-- schema is not checked for privileges or collisions.
CREATE FUNCTION selegic_preflight(schema_name text, table_name text)
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
    -- temporary table), and CREATE SCHEMA refuses pg_* names.
    IF nsp_name IN ('pg_catalog', 'information_schema') OR nsp_name LIKE 'pg\_%' THEN
        problem := 'reserved_schema';
        detail := pg_catalog.format('schema "%s" is reserved for the system', nsp_name);
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
COMMENT ON FUNCTION selegic_preflight(text, text) IS
    'Problems that would make CREATE TABLE schema.table fail or go wrong for the current role, with fixes; no rows means safe';


-- selegic_drop_blockers: everything that stops `ALTER TABLE ... DROP COLUMN`
-- of a field's column without CASCADE, and everything PostgreSQL would drop
-- silently with it.
--
-- The objects are found by walking pg_depend from the column (and from the
-- same column in inheritance children, which DROP COLUMN drops too) to its
-- dependents, and on from each object that the fixes would drop (a view, a
-- generated column, an index, a constraint and its index, a function) to
-- what depends on that in turn. Partition clones (child indexes, cloned
-- foreign keys and triggers, inherited constraints) go with their parent
-- object and are not listed.
--
-- kind (definition / fix):
--   foreign key, primary key, unique constraint, check constraint,
--   exclusion constraint    ALTER TABLE ADD CONSTRAINT / ALTER TABLE DROP CONSTRAINT
--                           (a constraint's index goes with it: not listed)
--   index                   pg_get_indexdef / DROP INDEX
--   view, materialized view CREATE [MATERIALIZED] VIEW ... AS / DROP [MATERIALIZED] VIEW
--   generated column        ALTER TABLE ADD COLUMN ... GENERATED / ALTER TABLE DROP COLUMN
--   trigger                 pg_get_triggerdef / DROP TRIGGER ... ON
--   policy                  CREATE POLICY / DROP POLICY ... ON
--   rule                    pg_get_ruledef / DROP RULE ... ON
--   statistics              pg_get_statisticsobjdef / DROP STATISTICS
--   function, procedure     pg_get_functiondef / DROP FUNCTION|PROCEDURE (SQL-standard bodies)
--   default                 ALTER COLUMN SET DEFAULT / DROP DEFAULT (another column's default
--                           calling a function listed here)
--   sequence                a sequence OWNED BY the column, which DROP COLUMN would drop:
--                           ALTER SEQUENCE ... OWNED BY column / OWNED BY NONE (keeps it)
--   publication             ALTER PUBLICATION ADD TABLE (column list, WHERE) /
--                           ALTER PUBLICATION DROP TABLE
--   partition key           PARTITION BY ... / NULL: the column cannot be dropped
--   inherited column        NULL / NULL: the column belongs to this parent
--   anything else           pg_identify_object's type and identity / NULL
--
-- Order: an object comes before everything it depends on (rows are sorted by
-- the longest dependency path from the column, longest first, then by
-- object), so the fixes run top to bottom. Partition key and inherited
-- column rows, which no fix removes, come first.
CREATE FUNCTION selegic_drop_blockers(field_id uuid)
RETURNS TABLE(kind text, object text, definition text, fix text)
LANGUAGE plpgsql STABLE STRICT SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    fld      record;
    rel      oid;
    att      int2;
    tbl_text text;
BEGIN
    SELECT e.slug, e.schema_name, e.table_name, f.column_name INTO fld
    FROM selegic.field f JOIN selegic.entity e ON e.id = f.entity_id
    WHERE f.id = $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'selegic field "%" does not exist', $1
            USING ERRCODE = 'undefined_object',
                  HINT = 'Field ids are the id column of selegic.field.';
    END IF;

    tbl_text := fld.schema_name || '.' || fld.table_name;
    SELECT c.oid INTO rel
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
    WHERE ns.nspname = fld.schema_name AND c.relname = fld.table_name AND c.relkind IN ('r', 'p');
    IF rel IS NULL THEN
        RAISE EXCEPTION 'table "%" of selegic entity "%" does not exist', tbl_text, fld.slug
            USING ERRCODE = 'undefined_table',
                  HINT = 'selegic_drift() reports it as missing_table; there is no column to drop.';
    END IF;
    SELECT a.attnum INTO att
    FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = rel AND a.attname = fld.column_name AND a.attnum > 0 AND NOT a.attisdropped;
    IF att IS NULL THEN
        RAISE EXCEPTION 'column "%" of table "%" does not exist', fld.column_name, tbl_text
            USING ERRCODE = 'undefined_column',
                  HINT = 'selegic_drift() reports it as missing_column or renamed_column; there is no column to drop.';
    END IF;

    RETURN QUERY
    WITH RECURSIVE
    -- The column, and the same column in inheritance children where
    -- DROP COLUMN drops it too (inherited once, not also declared locally).
    cols(relid, attnum) AS (
        SELECT rel, att
        UNION ALL
        SELECT i.inhrelid, a.attnum
        FROM cols
        JOIN pg_catalog.pg_inherits i ON i.inhparent = cols.relid
        JOIN pg_catalog.pg_attribute a
          ON a.attrelid = i.inhrelid AND a.attname = fld.column_name AND NOT a.attisdropped
        WHERE a.attinhcount = 1 AND NOT a.attislocal
    ),
    -- Dependents, transitively through the objects the fixes drop. A view's
    -- _RETURN rule stands for the view, a generation expression for its
    -- column. expand: whether the node's own dependents must go first.
    walk(classid, objid, objsubid, depth, expand, path) AS (
        SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::oid, cols.relid, cols.attnum::int4, 0, true,
               ARRAY['pg_catalog.pg_class'::pg_catalog.regclass::oid || '/' || cols.relid || '/' || cols.attnum]
        FROM cols
        UNION ALL
        SELECT nd.classid, nd.objid, nd.objsubid, w.depth + 1, nd.expand,
               w.path || (nd.classid || '/' || nd.objid || '/' || nd.objsubid)
        FROM walk w
        CROSS JOIN LATERAL (
            SELECT w.classid, w.objid, w.objsubid
            UNION ALL    -- a relation's row type and its array type
            SELECT 'pg_catalog.pg_type'::pg_catalog.regclass::oid, ty.oid, 0
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_type ty ON ty.oid = c.reltype OR (ty.typelem = c.reltype AND ty.typcategory = 'A')
            WHERE w.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND w.objsubid = 0
              AND c.oid = w.objid AND c.reltype <> 0
            UNION ALL    -- a primary key, unique or exclusion constraint's index
            SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::oid, con.conindid, 0
            FROM pg_catalog.pg_constraint con
            WHERE w.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
              AND con.oid = w.objid AND con.contype IN ('p', 'u', 'x') AND con.conindid <> 0
        ) AS ids(classid, objid, objsubid)
        JOIN pg_catalog.pg_depend d
          ON d.refclassid = ids.classid AND d.refobjid = ids.objid
         AND (ids.objsubid = 0 OR d.refobjsubid = ids.objsubid)
         AND d.deptype IN ('n', 'a')
        LEFT JOIN pg_catalog.pg_rewrite rw
          ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND rw.oid = d.objid
         AND rw.rulename = '_RETURN'
        LEFT JOIN pg_catalog.pg_attrdef ad
          ON d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND ad.oid = d.objid
        LEFT JOIN pg_catalog.pg_attribute gen
          ON gen.attrelid = ad.adrelid AND gen.attnum = ad.adnum AND gen.attgenerated <> ''
        CROSS JOIN LATERAL (
            SELECT CASE WHEN rw.oid IS NOT NULL OR gen.attnum IS NOT NULL
                        THEN 'pg_catalog.pg_class'::pg_catalog.regclass::oid ELSE d.classid END,
                   CASE WHEN rw.oid IS NOT NULL THEN rw.ev_class
                        WHEN gen.attnum IS NOT NULL THEN gen.attrelid ELSE d.objid END,
                   CASE WHEN rw.oid IS NOT NULL THEN 0
                        WHEN gen.attnum IS NOT NULL THEN gen.attnum::int4 ELSE d.objsubid END
        ) AS nd0(classid, objid, objsubid)
        CROSS JOIN LATERAL (
            SELECT nd0.classid, nd0.objid, nd0.objsubid,
                   CASE WHEN nd0.classid IN ('pg_catalog.pg_constraint'::pg_catalog.regclass,
                                             'pg_catalog.pg_proc'::pg_catalog.regclass) THEN true
                        WHEN nd0.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                        THEN gen.attnum IS NOT NULL
                             OR (nd0.objsubid = 0 AND EXISTS (
                                     SELECT FROM pg_catalog.pg_class c
                                     WHERE c.oid = nd0.objid AND c.relkind IN ('v', 'm', 'i', 'I')))
                        ELSE false END
        ) AS nd(classid, objid, objsubid, expand)
        WHERE w.expand AND w.depth < 100
          -- a column's own default goes with it
          AND NOT (ad.oid IS NOT NULL AND d.refobjid = ad.adrelid AND d.refobjsubid = ad.adnum)
          AND NOT (nd.classid || '/' || nd.objid || '/' || nd.objsubid) = ANY (w.path)
          -- partition clones go with their parent object
          AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend p
                          WHERE p.classid = d.classid AND p.objid = d.objid AND p.deptype IN ('P', 'S'))
          AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint con
                          WHERE d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND con.oid = d.objid
                            AND (con.conparentid <> 0 OR (con.coninhcount > 0 AND NOT con.conislocal)))
          AND NOT EXISTS (SELECT FROM pg_catalog.pg_trigger tg
                          WHERE d.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND tg.oid = d.objid
                            AND (tg.tgparentid <> 0 OR tg.tgisinternal))
    ),
    found AS (
        SELECT w.classid, w.objid, w.objsubid, pg_catalog.max(w.depth) AS depth
        FROM walk w
        WHERE w.depth > 0
        GROUP BY w.classid, w.objid, w.objsubid
    ),
    described AS (
        SELECT x.depth, o.*
        FROM found x
        LEFT JOIN pg_catalog.pg_class c
          ON x.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = x.objid
        LEFT JOIN pg_catalog.pg_attribute a
          ON c.oid IS NOT NULL AND x.objsubid > 0 AND a.attrelid = c.oid AND a.attnum = x.objsubid
        LEFT JOIN pg_catalog.pg_attrdef gad
          ON a.attgenerated <> '' AND gad.adrelid = a.attrelid AND gad.adnum = a.attnum
        LEFT JOIN pg_catalog.pg_constraint con
          ON x.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND con.oid = x.objid
        LEFT JOIN pg_catalog.pg_trigger tg
          ON x.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND tg.oid = x.objid
        LEFT JOIN pg_catalog.pg_policy pol
          ON x.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND pol.oid = x.objid
        LEFT JOIN pg_catalog.pg_rewrite ru
          ON x.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND ru.oid = x.objid
        LEFT JOIN pg_catalog.pg_attrdef ad
          ON x.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND ad.oid = x.objid
        LEFT JOIN pg_catalog.pg_attribute ada
          ON ada.attrelid = ad.adrelid AND ada.attnum = ad.adnum
        LEFT JOIN pg_catalog.pg_statistic_ext st
          ON x.classid = 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass AND st.oid = x.objid
        LEFT JOIN pg_catalog.pg_proc pr
          ON x.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND pr.oid = x.objid
        LEFT JOIN pg_catalog.pg_publication_rel pbr
          ON x.classid = 'pg_catalog.pg_publication_rel'::pg_catalog.regclass AND pbr.oid = x.objid
        LEFT JOIN pg_catalog.pg_publication pub ON pub.oid = pbr.prpubid
        -- the schema of c, st or pr; the table the object belongs to
        LEFT JOIN pg_catalog.pg_namespace ns
          ON ns.oid = COALESCE(c.relnamespace, st.stxnamespace, pr.pronamespace)
        LEFT JOIN pg_catalog.pg_class tc
          ON tc.oid = COALESCE(CASE WHEN con.conrelid <> 0 THEN con.conrelid END, tg.tgrelid,
                               pol.polrelid, ru.ev_class, ad.adrelid, pbr.prrelid)
        LEFT JOIN pg_catalog.pg_namespace tns ON tns.oid = tc.relnamespace
        CROSS JOIN LATERAL (
            SELECT pg_catalog.quote_ident(ns.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS rel_q,
                   pg_catalog.quote_ident(tns.nspname) || '.' || pg_catalog.quote_ident(tc.relname) AS tbl_q,
                   pg_catalog.quote_ident(ns.nspname) || '.' || pg_catalog.quote_ident(pr.proname)
                       || '(' || pg_catalog.pg_get_function_identity_arguments(pr.oid) || ')' AS proc_q,
                   (SELECT pg_catalog.quote_ident(ins.nspname) || '.' || pg_catalog.quote_ident(ic.relname)
                    FROM pg_catalog.pg_index ix
                    JOIN pg_catalog.pg_class ic ON ic.oid = ix.indrelid
                    JOIN pg_catalog.pg_namespace ins ON ins.oid = ic.relnamespace
                    WHERE ix.indexrelid = c.oid) AS ind_tbl_q
        ) q
        CROSS JOIN LATERAL (
            SELECT
            CASE
            WHEN a.attnum IS NOT NULL AND gad.oid IS NOT NULL THEN
                ARRAY['generated column', q.rel_q || '.' || pg_catalog.quote_ident(a.attname),
                    pg_catalog.format('ALTER TABLE %s ADD COLUMN %I %s GENERATED ALWAYS AS (%s) STORED',
                                      q.rel_q, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
                                      pg_catalog.pg_get_expr(gad.adbin, gad.adrelid)),
                    pg_catalog.format('ALTER TABLE %s DROP COLUMN %I', q.rel_q, a.attname)]
            WHEN c.oid IS NOT NULL AND x.objsubid = 0 AND c.relkind = 'v' THEN
                ARRAY['view', q.rel_q,
                    pg_catalog.format('CREATE VIEW %s%s AS%s', q.rel_q,
                                      ' WITH (' || pg_catalog.array_to_string(c.reloptions, ', ') || ')',
                                      pg_catalog.rtrim(pg_catalog.pg_get_viewdef(c.oid), ';')),
                    pg_catalog.format('DROP VIEW %s', q.rel_q)]
            WHEN c.oid IS NOT NULL AND x.objsubid = 0 AND c.relkind = 'm' THEN
                ARRAY['materialized view', q.rel_q,
                    pg_catalog.format('CREATE MATERIALIZED VIEW %s%s AS%s%s', q.rel_q,
                                      ' WITH (' || pg_catalog.array_to_string(c.reloptions, ', ') || ')',
                                      pg_catalog.rtrim(pg_catalog.pg_get_viewdef(c.oid), ';'),
                                      CASE WHEN NOT c.relispopulated THEN ' WITH NO DATA' ELSE '' END),
                    pg_catalog.format('DROP MATERIALIZED VIEW %s', q.rel_q)]
            WHEN c.oid IS NOT NULL AND x.objsubid = 0 AND c.relkind IN ('i', 'I') THEN
                -- a partitioned index is recreated on the partitions too, not ON ONLY the parent
                ARRAY['index', q.rel_q,
                    pg_catalog.replace(pg_catalog.pg_get_indexdef(c.oid),
                                       ' ON ONLY ' || q.ind_tbl_q || ' USING ', ' ON ' || q.ind_tbl_q || ' USING '),
                    pg_catalog.format('DROP INDEX %s', q.rel_q)]
            WHEN c.oid IS NOT NULL AND x.objsubid = 0 AND c.relkind = 'S' THEN
                ARRAY['sequence', q.rel_q,
                    (SELECT pg_catalog.format('ALTER SEQUENCE %s OWNED BY %s.%I.%I', q.rel_q,
                                              pg_catalog.quote_ident(ons.nspname), oc.relname, oa.attname)
                     FROM pg_catalog.pg_depend od
                     JOIN pg_catalog.pg_class oc ON oc.oid = od.refobjid
                     JOIN pg_catalog.pg_namespace ons ON ons.oid = oc.relnamespace
                     JOIN pg_catalog.pg_attribute oa ON oa.attrelid = od.refobjid AND oa.attnum = od.refobjsubid
                     WHERE od.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND od.objid = c.oid
                       AND od.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                       AND od.refobjsubid > 0 AND od.deptype = 'a'
                     LIMIT 1),
                    pg_catalog.format('ALTER SEQUENCE %s OWNED BY NONE', q.rel_q)]
            WHEN con.oid IS NOT NULL AND tc.oid IS NOT NULL THEN
                ARRAY[CASE con.contype WHEN 'f' THEN 'foreign key' WHEN 'p' THEN 'primary key'
                                     WHEN 'u' THEN 'unique constraint' WHEN 'c' THEN 'check constraint'
                                     WHEN 'x' THEN 'exclusion constraint' ELSE 'constraint' END,
                    q.tbl_q || '.' || pg_catalog.quote_ident(con.conname),
                    pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', q.tbl_q, con.conname,
                                      pg_catalog.pg_get_constraintdef(con.oid)),
                    pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', q.tbl_q, con.conname)]
            WHEN tg.oid IS NOT NULL THEN
                ARRAY['trigger', q.tbl_q || '.' || pg_catalog.quote_ident(tg.tgname),
                    pg_catalog.pg_get_triggerdef(tg.oid),
                    pg_catalog.format('DROP TRIGGER %I ON %s', tg.tgname, q.tbl_q)]
            WHEN pol.oid IS NOT NULL THEN
                ARRAY['policy', q.tbl_q || '.' || pg_catalog.quote_ident(pol.polname),
                    pg_catalog.format('CREATE POLICY %I ON %s AS %s FOR %s TO %s%s%s',
                        pol.polname, q.tbl_q,
                        CASE WHEN pol.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
                        CASE pol.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT'
                                        WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
                        (SELECT pg_catalog.string_agg(CASE WHEN pr_role.r = 0 THEN 'PUBLIC'
                                                           ELSE pg_catalog.quote_ident(rl.rolname) END,
                                                      ', ' ORDER BY pr_role.ord)
                         FROM pg_catalog.unnest(pol.polroles) WITH ORDINALITY AS pr_role(r, ord)
                         LEFT JOIN pg_catalog.pg_roles rl ON rl.oid = pr_role.r),
                        ' USING (' || pg_catalog.pg_get_expr(pol.polqual, pol.polrelid) || ')',
                        ' WITH CHECK (' || pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid) || ')'),
                    pg_catalog.format('DROP POLICY %I ON %s', pol.polname, q.tbl_q)]
            WHEN ru.oid IS NOT NULL THEN
                ARRAY['rule', q.tbl_q || '.' || pg_catalog.quote_ident(ru.rulename),
                    pg_catalog.rtrim(pg_catalog.pg_get_ruledef(ru.oid), ';'),
                    pg_catalog.format('DROP RULE %I ON %s', ru.rulename, q.tbl_q)]
            WHEN ad.oid IS NOT NULL AND tc.oid IS NOT NULL THEN
                ARRAY['default', q.tbl_q || '.' || pg_catalog.quote_ident(ada.attname),
                    pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I SET DEFAULT %s', q.tbl_q, ada.attname,
                                      pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)),
                    pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I DROP DEFAULT', q.tbl_q, ada.attname)]
            WHEN st.oid IS NOT NULL THEN
                ARRAY['statistics', pg_catalog.quote_ident(ns.nspname) || '.' || pg_catalog.quote_ident(st.stxname),
                    pg_catalog.pg_get_statisticsobjdef(st.oid),
                    pg_catalog.format('DROP STATISTICS %I.%I', ns.nspname, st.stxname)]
            WHEN pr.oid IS NOT NULL AND pr.prokind IN ('f', 'p') THEN
                ARRAY[CASE pr.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, q.proc_q,
                    pg_catalog.rtrim(pg_catalog.pg_get_functiondef(pr.oid), E'\n'),
                    pg_catalog.format('DROP %s %s', CASE pr.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
                                      q.proc_q)]
            WHEN pbr.oid IS NOT NULL AND tc.oid IS NOT NULL THEN
                ARRAY['publication', pg_catalog.quote_ident(pub.pubname),
                    pg_catalog.format('ALTER PUBLICATION %I ADD TABLE %s%s%s', pub.pubname, q.tbl_q,
                        ' (' || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(pa.attname), ', ' ORDER BY k.ord)
                                 FROM pg_catalog.unnest(pbr.prattrs::int2[]) WITH ORDINALITY AS k(attnum, ord)
                                 JOIN pg_catalog.pg_attribute pa
                                   ON pa.attrelid = pbr.prrelid AND pa.attnum = k.attnum) || ')',
                        ' WHERE (' || pg_catalog.pg_get_expr(pbr.prqual, pbr.prrelid) || ')'),
                    pg_catalog.format('ALTER PUBLICATION %I DROP TABLE %s', pub.pubname, q.tbl_q)]
            ELSE
                (SELECT ARRAY[io.type, io.identity, NULL::text, NULL::text]
                 FROM pg_catalog.pg_identify_object(x.classid, x.objid, x.objsubid) io)
            END AS r
        ) rr
        CROSS JOIN LATERAL (
            SELECT rr.r[1] AS kind, rr.r[2] AS object,
                   rr.r[3] AS definition, rr.r[4] AS fix
        ) o
    ),
    -- What no fix can remove: the column is (part of) the partition key, or
    -- it is inherited from a parent.
    fixed AS (
        SELECT 1000000 AS depth, 'partition key'::text AS kind,
               pg_catalog.quote_ident(ns.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS object,
               'PARTITION BY ' || pg_catalog.pg_get_partkeydef(c.oid) AS definition, NULL::text AS fix
        FROM cols
        JOIN pg_catalog.pg_class c ON c.oid = cols.relid AND c.relkind = 'p'
        JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
        WHERE EXISTS (SELECT FROM pg_catalog.pg_depend pk
                      WHERE pk.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                        AND pk.objid = cols.relid AND pk.objsubid = cols.attnum
                        AND pk.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                        AND pk.refobjid = cols.relid AND pk.refobjsubid = 0 AND pk.deptype = 'i')
        UNION ALL
        SELECT 1000000, 'inherited column',
               pg_catalog.quote_ident(ns.nspname) || '.' || pg_catalog.quote_ident(c.relname)
                   || '.' || pg_catalog.quote_ident(pa.attname),
               NULL, NULL
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_inherits i ON i.inhrelid = a.attrelid
        JOIN pg_catalog.pg_class c ON c.oid = i.inhparent
        JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute pa
          ON pa.attrelid = c.oid AND pa.attname = a.attname AND NOT pa.attisdropped
        WHERE a.attrelid = rel AND a.attnum = att AND a.attinhcount > 0
    )
    SELECT u.kind, u.object, u.definition, u.fix
    FROM (SELECT fx.depth, fx.kind, fx.object, fx.definition, fx.fix FROM fixed fx
          UNION ALL
          SELECT ds.depth, ds.kind, ds.object, ds.definition, ds.fix FROM described ds) u
    ORDER BY u.depth DESC, u.object COLLATE "C", u.kind COLLATE "C";
END
$fn$;
COMMENT ON FUNCTION selegic_drop_blockers(uuid) IS
    'Objects that stop or go with ALTER TABLE DROP COLUMN of a field''s column, with their definitions and the DROP that removes each, in runnable order';


-- selegic_check_privileges: what the tenant role needs (runbook item 5),
-- one row per object and privilege, ordered by object then privilege:
--   <schema>        USAGE, CREATE    every managed schema that exists
--                                    (has_schema_privilege)         GRANT ... ON SCHEMA
--   <schema.table>  OWNER            every managed table that exists: the role
--                                    is the owner or has its privileges
--                                    (pg_has_role USAGE), needed for ALTER and
--                                    DROP                           ALTER TABLE ... OWNER TO
--   <schema.table>  REFERENCES       every existing table a relation field
--                                    points at (on the target's key column, so
--                                    a column-level grant counts)   GRANT REFERENCES ON TABLE
-- fix is NULL when granted. A superuser has everything.
CREATE FUNCTION selegic_check_privileges(role_name name DEFAULT current_user)
RETURNS TABLE(object text, privilege text, granted boolean, fix text)
LANGUAGE plpgsql STABLE STRICT SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    role_oid oid;
    who      text;
BEGIN
    SELECT rl.oid INTO role_oid FROM pg_catalog.pg_roles rl WHERE rl.rolname = $1;
    IF role_oid IS NULL THEN
        RAISE EXCEPTION 'role "%" does not exist', $1
            USING ERRCODE = 'undefined_object';
    END IF;
    who := pg_catalog.quote_ident($1);

    RETURN QUERY
    WITH schemas AS (
        SELECT DISTINCT ns.oid, ns.nspname
        FROM selegic.entity e
        JOIN pg_catalog.pg_namespace ns ON ns.nspname = e.schema_name
    ),
    tables AS (
        SELECT e.id, c.oid, c.relowner, e.primary_key,
               pg_catalog.quote_ident(ns.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS q
        FROM selegic.entity e
        JOIN pg_catalog.pg_namespace ns ON ns.nspname = e.schema_name
        JOIN pg_catalog.pg_class c
          ON c.relnamespace = ns.oid AND c.relname = e.table_name AND c.relkind IN ('r', 'p')
    ),
    checks AS (
        SELECT pg_catalog.quote_ident(s.nspname) AS object, p.priv AS privilege,
               pg_catalog.has_schema_privilege(role_oid, s.oid, p.priv) AS granted,
               pg_catalog.format('GRANT %s ON SCHEMA %I TO %s', p.priv, s.nspname, who) AS fix
        FROM schemas s CROSS JOIN (VALUES ('USAGE'), ('CREATE')) AS p(priv)
        UNION ALL
        SELECT t.q, 'OWNER', pg_catalog.pg_has_role(role_oid, t.relowner, 'USAGE'),
               pg_catalog.format('ALTER TABLE %s OWNER TO %s', t.q, who)
        FROM tables t
        UNION ALL
        SELECT DISTINCT t.q, 'REFERENCES',
               CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_attribute a
                                 WHERE a.attrelid = t.oid AND a.attname = t.primary_key
                                   AND a.attnum > 0 AND NOT a.attisdropped)
                    THEN pg_catalog.has_column_privilege(role_oid, t.oid, t.primary_key::text, 'REFERENCES')
                    ELSE pg_catalog.has_table_privilege(role_oid, t.oid, 'REFERENCES') END,
               pg_catalog.format('GRANT REFERENCES ON TABLE %s TO %s', t.q, who)
        FROM tables t
        WHERE EXISTS (SELECT FROM selegic.field f WHERE f.references_entity = t.id)
    )
    SELECT ck.object, ck.privilege, ck.granted, CASE WHEN ck.granted THEN NULL ELSE ck.fix END
    FROM checks ck
    ORDER BY ck.object COLLATE "C", ck.privilege COLLATE "C";
END
$fn$;
COMMENT ON FUNCTION selegic_check_privileges(name) IS
    'USAGE and CREATE on managed schemas, ownership of managed tables and REFERENCES on referenced tables for a role, with the GRANT or ALTER that would give each';
-- The real-time drift log: every DDL on a managed object that did not come
-- from the API, recorded by event triggers written in C++.

CREATE TABLE selegic.drift_log (
    id                uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
    database_name     name NOT NULL DEFAULT pg_catalog.current_database(),
    occurred_at       timestamptz NOT NULL,
    origin            text NOT NULL CHECK (origin IN ('manual', 'api')),
    command_tag       text NOT NULL,
    action            text,
    object_identity   text,
    entity_id         uuid,
    field_id          uuid,
    old_name          name,
    new_name          name,
    session_user_name name,
    current_user_name name,
    application_name  text,
    client_addr       inet,
    backend_pid       int,
    transaction_id    xid8,
    query             text,
    resolved_at       timestamptz,
    resolution        text
);
COMMENT ON TABLE selegic.drift_log IS
    'DDL on managed objects: manual changes (and API ones with selegic.log_api_ddl), written by event triggers';
-- Plain indexes only: the triggers insert rows as the catalogs are written,
-- which maintains plain indexes and nothing more.
CREATE INDEX drift_log_field_idx ON selegic.drift_log (field_id);
CREATE INDEX drift_log_entity_idx ON selegic.drift_log (entity_id);
CREATE INDEX drift_log_occurred_idx ON selegic.drift_log (occurred_at);
CREATE INDEX drift_log_action_idx ON selegic.drift_log (action);  -- renames are read often

-- Only the extension writes the log; everyone may read it.
REVOKE ALL ON selegic.drift_log FROM PUBLIC;
GRANT SELECT ON selegic.drift_log TO PUBLIC;

-- Event triggers: SECURITY DEFINER so the capture works whoever runs the DDL,
-- with search_path pinned; ENABLE ALWAYS so session_replication_role =
-- replica does not switch them off.
CREATE FUNCTION selegic.capture_ddl_command_end() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'selegic_capture_ddl_command_end'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION selegic.capture_sql_drop() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'selegic_capture_sql_drop'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION selegic.capture_table_rewrite() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'selegic_capture_table_rewrite'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
REVOKE EXECUTE ON FUNCTION selegic.capture_ddl_command_end(), selegic.capture_sql_drop(),
    selegic.capture_table_rewrite() FROM PUBLIC;

CREATE EVENT TRIGGER selegic_ddl_command_end ON ddl_command_end
    EXECUTE FUNCTION selegic.capture_ddl_command_end();
CREATE EVENT TRIGGER selegic_sql_drop ON sql_drop
    EXECUTE FUNCTION selegic.capture_sql_drop();
CREATE EVENT TRIGGER selegic_table_rewrite ON table_rewrite
    EXECUTE FUNCTION selegic.capture_table_rewrite();
ALTER EVENT TRIGGER selegic_ddl_command_end ENABLE ALWAYS;
ALTER EVENT TRIGGER selegic_sql_drop ENABLE ALWAYS;
ALTER EVENT TRIGGER selegic_table_rewrite ENABLE ALWAYS;

-- Metadata changes (by the API, a DBA, or the logical replication apply
-- worker, hence ENABLE ALWAYS) tell every backend to reload what is managed.
-- Row triggers, because the apply worker fires no statement triggers; the
-- invalidations they queue are merged per transaction, so a bulk load pays
-- for one.
CREATE FUNCTION selegic.metadata_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'selegic_metadata_changed'
LANGUAGE C SET search_path = pg_catalog, pg_temp;
REVOKE EXECUTE ON FUNCTION selegic.metadata_changed() FROM PUBLIC;
CREATE TRIGGER entity_changed AFTER INSERT OR UPDATE OR DELETE ON selegic.entity
    FOR EACH ROW EXECUTE FUNCTION selegic.metadata_changed();
CREATE TRIGGER entity_truncated AFTER TRUNCATE ON selegic.entity
    FOR EACH STATEMENT EXECUTE FUNCTION selegic.metadata_changed();
CREATE TRIGGER field_changed AFTER INSERT OR UPDATE OR DELETE ON selegic.field
    FOR EACH ROW EXECUTE FUNCTION selegic.metadata_changed();
CREATE TRIGGER field_truncated AFTER TRUNCATE ON selegic.field
    FOR EACH STATEMENT EXECUTE FUNCTION selegic.metadata_changed();
ALTER TABLE selegic.entity ENABLE ALWAYS TRIGGER entity_changed;
ALTER TABLE selegic.entity ENABLE ALWAYS TRIGGER entity_truncated;
ALTER TABLE selegic.field ENABLE ALWAYS TRIGGER field_changed;
ALTER TABLE selegic.field ENABLE ALWAYS TRIGGER field_truncated;

CREATE FUNCTION selegic_api_execute(sql text) RETURNS void
AS 'MODULE_PATHNAME', 'selegic_api_execute'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION selegic_api_execute(text) IS
    'Runs SQL as the Selegic API: its DDL is api origin (logged only with selegic.log_api_ddl) and passes selegic.manual_ddl = block';
REVOKE EXECUTE ON FUNCTION selegic_api_execute(text) FROM PUBLIC;

CREATE FUNCTION selegic_acknowledge(log_id uuid, note text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF log_id IS NULL THEN
    RETURN;
  END IF;
  UPDATE selegic.drift_log
  SET resolved_at = pg_catalog.now(),
      resolution = coalesce(note, 'acknowledged') || ' (by ' || session_user || ')'
  WHERE id = log_id AND resolved_at IS NULL;
  IF NOT FOUND THEN
    IF EXISTS (SELECT FROM selegic.drift_log WHERE id = log_id) THEN
      RAISE EXCEPTION 'drift log row "%" is already resolved', log_id
        USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RAISE EXCEPTION 'drift log row "%" does not exist', log_id
      USING ERRCODE = 'undefined_object', HINT = 'Row ids are the id column of selegic.drift_log.';
  END IF;
END
$fn$;
COMMENT ON FUNCTION selegic_acknowledge(uuid, text) IS
    'Marks one drift log row resolved by a human, with a note';
REVOKE EXECUTE ON FUNCTION selegic_acknowledge(uuid, text) FROM PUBLIC;

-- Is the watch on? One row a DBA can read at a glance.
CREATE FUNCTION selegic_status()
RETURNS TABLE(healthy boolean, problems text[], event_triggers text,
              session_replication_role text, api_roles text, manual_ddl text,
              log_api_ddl boolean, unresolved_manual bigint, last_manual_at timestamptz)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  expected text[] := ARRAY['selegic_ddl_command_end', 'selegic_sql_drop', 'selegic_table_rewrite'];
  found text[];
  trouble text[] := '{}';
  t text;
BEGIN
  SELECT array_agg(evtname || ' ' || CASE evtenabled WHEN 'A' THEN 'always' WHEN 'O' THEN 'origin'
                                                      WHEN 'R' THEN 'replica' ELSE 'disabled' END
                   ORDER BY evtname)
  INTO found FROM pg_event_trigger WHERE evtname = ANY (expected);
  event_triggers := array_to_string(found, ', ');
  FOREACH t IN ARRAY expected LOOP
    IF NOT EXISTS (SELECT FROM pg_event_trigger WHERE evtname = t) THEN
      trouble := array_append(trouble, format('event trigger %s is missing', t));
    ELSIF EXISTS (SELECT FROM pg_event_trigger WHERE evtname = t AND evtenabled = 'D') THEN
      trouble := array_append(trouble, format('event trigger %s is disabled', t));
    ELSIF EXISTS (SELECT FROM pg_event_trigger WHERE evtname = t AND evtenabled <> 'A') THEN
      trouble := array_append(trouble, format('event trigger %s is not ENABLE ALWAYS', t));
    END IF;
  END LOOP;
  IF (SELECT count(*) FROM pg_trigger
      WHERE tgname IN ('entity_changed', 'entity_truncated', 'field_changed', 'field_truncated')
        AND tgrelid IN ('selegic.entity'::regclass, 'selegic.field'::regclass)
        AND tgenabled = 'A') <> 4 THEN
    trouble := array_append(trouble, 'a metadata change trigger is missing or not ENABLE ALWAYS');
  END IF;
  session_replication_role := current_setting('session_replication_role');
  api_roles := nullif(current_setting('selegic.api_roles', true), '');
  IF api_roles IS NULL THEN
    trouble := array_append(trouble, 'selegic.api_roles is not set: the API''s own DDL counts as manual');
  END IF;
  manual_ddl := coalesce(current_setting('selegic.manual_ddl', true), 'log');
  log_api_ddl := coalesce(current_setting('selegic.log_api_ddl', true), 'off')::boolean;
  SELECT count(*), max(occurred_at) INTO unresolved_manual, last_manual_at
  FROM selegic.drift_log WHERE origin = 'manual' AND resolved_at IS NULL;
  problems := trouble;
  -- A missing api_roles setting is worth a line, not an alarm.
  healthy := NOT EXISTS (SELECT FROM unnest(trouble) p WHERE p NOT LIKE 'selegic.api_roles%');
  RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION selegic_status() IS
    'Whether DDL capture is working: event triggers, settings, and unresolved manual changes';

-- Keep the log in dumps, like the metadata.
SELECT pg_catalog.pg_extension_config_dump('selegic.drift_log', '');
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
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT format('CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION selegic_metadata WITH (copy_data = true)',
                'selegic_metadata_' || selegic.fleet_member_name(current_database()),
                central_conninfo)
$fn$;
COMMENT ON FUNCTION selegic_fleet_subscribe_metadata(text) IS
    'On a tenant: the CREATE SUBSCRIPTION statement that brings selegic.entity and selegic.field from the central database (run it with \gexec)';
REVOKE EXECUTE ON FUNCTION selegic_fleet_subscribe_metadata(text) FROM PUBLIC;

-- Run on the central database: the statement that brings one tenant's log.
CREATE FUNCTION selegic_fleet_subscribe_drift(tenant_conninfo text, tenant_name text) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
  SELECT format('CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION selegic_drift_log WITH (copy_data = true)',
                'selegic_drift_' || selegic.fleet_member_name(tenant_name),
                tenant_conninfo)
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
