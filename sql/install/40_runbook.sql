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
--   reserved_schema  pg_catalog, information_schema, a pg_* schema  fix NULL
--                    or selegic (selegic.forbidden_schema())
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
