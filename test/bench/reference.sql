-- The drift report of selegic_drift() written as one plain SQL query over
-- pg_catalog and the metadata tables: the baseline that the extension is
-- measured against. Run it as it is (psql -f reference.sql) or wrap it
-- (run.sh makes it the view public.bench_reference).
--
-- It is an honest reimplementation, not a strawman: types are compared as
-- (oid, typmod) by resolving sql_type with to_regtype() and the type's own
-- typmod input function; defaults are compared textually first and, where the
-- texts differ, by evaluating both expressions coerced to the column's type
-- (query_to_xml runs the dynamic SELECT); constraints are matched on
-- pg_constraint / pg_index keys, not on their names.
--
-- Known differences from the extension (documented in docs/benchmarks.md):
--  * invalid_metadata covers unknown types, forbidden schemas and relation
--    fields whose target is invalid. A default_expr that does not parse or
--    does not fit the type cannot be caught in plain SQL (no exception
--    handling); when the column has no default it shows up as a
--    default_mismatch instead, and otherwise the evaluation raises an error.
--  * sql_type and default_expr resolve with the caller's search_path, not
--    with (entity schema, public).
--  * defaults are equal when their values are equal in this statement, which
--    is not the same as equal expression trees for volatile functions
--    (random(), clock_timestamp()); nextval() is never evaluated (it would
--    advance the sequence) and compares textually.
--  * renamed_column (which needs the drift log) is not reported.
--  * typmods are computed for the built-in types that have them (varchar,
--    char, numeric, time[stamp][tz], interval precision, bit, varbit);
--    extension types with typmods compare by oid only.
WITH
ent AS (
    SELECT e.id,
           e.schema_name::text AS schema_name,
           e.table_name::text AS table_name,
           e.primary_key::text AS primary_key,
           quote_ident(e.schema_name) || '.' || quote_ident(e.table_name) AS tobj,
           (e.schema_name IN ('pg_catalog', 'information_schema')
            OR e.schema_name ~ '^pg_(toast|temp)') AS forbidden
    FROM selegic.entity e
),
-- Valid entities with the relation that holds their name, if any.
rel AS (
    SELECT e.*, c.oid AS relid, c.relkind,
           c.relkind IS NOT NULL AND c.relkind IN ('r', 'p') AS is_table
    FROM ent e
    LEFT JOIN pg_namespace n ON n.nspname = e.schema_name
    LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = e.table_name
    WHERE NOT e.forbidden
),
-- The primary key column of each existing table.
pkcol AS (
    SELECT r.id AS entity_id, r.relid, a.attnum, a.atttypid
    FROM rel r
    JOIN pg_attribute a ON a.attrelid = r.relid AND a.attname = r.primary_key
                       AND a.attnum > 0 AND NOT a.attisdropped
    WHERE r.is_table
),
-- Each distinct sql_type resolved once to (oid, typmod): to_regtype for the
-- type, the type's own typmod input function for what is in parentheses.
typ AS (
    SELECT st.sql_type, rt.typid,
           CASE WHEN m.mods IS NULL OR rt.typid IS NULL THEN -1
                ELSE CASE ty.typmodin
                    WHEN 'varchartypmodin'::regproc     THEN varchartypmodin(m.mods)
                    WHEN 'bpchartypmodin'::regproc      THEN bpchartypmodin(m.mods)
                    WHEN 'numerictypmodin'::regproc     THEN numerictypmodin(m.mods)
                    WHEN 'timestamptypmodin'::regproc   THEN timestamptypmodin(m.mods)
                    WHEN 'timestamptztypmodin'::regproc THEN timestamptztypmodin(m.mods)
                    WHEN 'timetypmodin'::regproc        THEN timetypmodin(m.mods)
                    WHEN 'timetztypmodin'::regproc      THEN timetztypmodin(m.mods)
                    WHEN 'intervaltypmodin'::regproc    THEN intervaltypmodin(m.mods)
                    WHEN 'bittypmodin'::regproc         THEN bittypmodin(m.mods)
                    WHEN 'varbittypmodin'::regproc      THEN varbittypmodin(m.mods)
                    ELSE -1
                END
           END AS typmod
    FROM (SELECT DISTINCT f.sql_type FROM selegic.field f) st
    CROSS JOIN LATERAL (SELECT to_regtype(st.sql_type) AS typid) rt
    LEFT JOIN pg_type ty ON ty.oid = rt.typid
    CROSS JOIN LATERAL (
        SELECT string_to_array(regexp_replace((regexp_match(st.sql_type, '\(([^()]*)\)'))[1], '\s', '', 'g'),
                               ',')::cstring[] AS mods) m
),
-- Fields of valid entities, with their resolved type.
fld AS (
    SELECT f.id AS field_id, f.entity_id, f.column_name::text AS column_name, f.sql_type,
           f.is_nullable, f.is_unique, f.references_entity, f.on_delete,
           CASE WHEN lower(btrim(f.default_expr)) = 'null' THEN NULL ELSE f.default_expr END AS default_expr,
           r.relid, r.is_table, r.tobj, r.schema_name, r.table_name,
           r.tobj || '.' || quote_ident(f.column_name) AS cobj,
           t.typid, t.typmod
    FROM selegic.field f
    JOIN rel r ON r.id = f.entity_id
    JOIN typ t ON t.sql_type = f.sql_type
),
-- Fields that can be compared, with their column (if any) and its default.
col AS (
    SELECT f.*, a.attnum, a.atttypid, a.atttypmod, a.attnotnull,
           pg_get_expr(d.adbin, d.adrelid) AS actual_default,
           format_type(f.typid, f.typmod) AS expected_type
    FROM fld f
    LEFT JOIN pg_attribute a ON a.attrelid = f.relid AND a.attname = f.column_name
                            AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE f.typid IS NOT NULL AND f.is_table
),
present AS (SELECT * FROM col WHERE attnum IS NOT NULL),
-- Single-column unique constraints and plain unique indexes of managed tables.
uniq AS (
    SELECT i.indrelid AS relid, i.indkey[0] AS attnum, i.indexrelid
    FROM pg_index i
    WHERE i.indisunique AND NOT i.indisprimary AND i.indnkeyatts = 1
      AND i.indexprs IS NULL AND i.indpred IS NULL
      AND i.indrelid IN (SELECT relid FROM rel WHERE is_table)
),
uniq_col AS (
    SELECT relid, attnum, count(*) AS n FROM uniq GROUP BY relid, attnum
),
-- Single-column foreign keys of managed tables.
fkey AS (
    SELECT c.oid, c.conname, c.conrelid AS relid, c.conkey[1] AS attnum, c.confrelid,
           c.confkey, c.confdeltype, c.convalidated
    FROM pg_constraint c
    WHERE c.contype = 'f' AND cardinality(c.conkey) = 1
      AND c.conrelid IN (SELECT relid FROM rel WHERE is_table)
),
fkey_col AS (
    SELECT relid, attnum, count(*) AS n FROM fkey GROUP BY relid, attnum
),
-- What each relation field should reference.
target AS (
    SELECT f.field_id, t.tobj, t.primary_key, t.relid, t.is_table, pk.attnum AS pk_attnum
    FROM fld f
    JOIN rel t ON t.id = f.references_entity
    LEFT JOIN pkcol pk ON pk.entity_id = t.id
    WHERE f.references_entity IS NOT NULL
),
-- Relation fields whose column holds a validated foreign key to the target's
-- primary key with the right ON DELETE action.
fkey_ok AS (
    SELECT p.field_id
    FROM present p
    JOIN target t ON t.field_id = p.field_id AND t.is_table
    JOIN fkey fk ON fk.relid = p.relid AND fk.attnum = p.attnum
                AND fk.confrelid = t.relid AND fk.confkey = ARRAY[t.pk_attnum] AND fk.convalidated
                AND fk.confdeltype = CASE p.on_delete WHEN 'no action' THEN 'a' WHEN 'restrict' THEN 'r'
                                                      WHEN 'cascade' THEN 'c' WHEN 'set null' THEN 'n'
                                                      WHEN 'set default' THEN 'd' END
),
-- Default comparison, cheapest test first: the same text; the same simple
-- literal once quotes, a trailing cast and letter case are set aside ('0' and
-- '0'::integer and 0, TRUE and true: coerced to one column type, equal literal
-- text gives an equal value); otherwise the same value once both expressions
-- are evaluated as the column's type.
defcmp AS (
    SELECT p.*,
           CASE
               WHEN p.default_expr IS NULL AND p.actual_default IS NULL THEN true
               WHEN p.default_expr IS NULL OR p.actual_default IS NULL THEN false
               WHEN p.actual_default = p.default_expr THEN true
               WHEN CASE WHEN p.default_expr ~ '^''([^'']|'''')*''(::[a-z ]+(\([0-9, ]+\))?)?$'
                         THEN substring(p.default_expr FROM '^''((?:[^'']|'''')*)''')
                         WHEN p.default_expr ~* '^(-?[0-9]+(\.[0-9]+)?|true|false)$' THEN lower(p.default_expr) END
                  = CASE WHEN p.actual_default ~ '^''([^'']|'''')*''(::[a-z ]+(\([0-9, ]+\))?)?$'
                         THEN substring(p.actual_default FROM '^''((?:[^'']|'''')*)''')
                         WHEN p.actual_default ~* '^(-?[0-9]+(\.[0-9]+)?|true|false)$' THEN lower(p.actual_default) END
               THEN true
               WHEN p.default_expr ~* 'nextval' OR p.actual_default ~* 'nextval' THEN false
               ELSE (xpath('/row/v/text()', query_to_xml(
                        format('SELECT (%s)::%s AS v', p.default_expr, format_type(p.atttypid, p.atttypmod)),
                        false, true, '')))[1]::text
                    IS NOT DISTINCT FROM
                    (xpath('/row/v/text()', query_to_xml(
                        format('SELECT (%s)::%s AS v', p.actual_default, format_type(p.atttypid, p.atttypmod)),
                        false, true, '')))[1]::text
           END AS default_equal
    FROM present p
),
report AS (
    -- entity in a forbidden schema
    SELECT 'invalid_metadata' AS kind, e.id AS entity_id, NULL::uuid AS field_id, e.tobj AS object,
           e.schema_name AS expected, format('schema "%s" is reserved for the system', e.schema_name) AS actual,
           NULL::text AS fix
    FROM ent e WHERE e.forbidden

    UNION ALL  -- no table under the entity's name
    SELECT 'missing_table', r.id, NULL, r.tobj, 'table',
           CASE r.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                          WHEN 'f' THEN 'foreign table' WHEN 'c' THEN 'composite type'
                          WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' END,
           CASE WHEN r.relkind IS NULL THEN
               format('CREATE TABLE %s (%I uuid PRIMARY KEY%s);', r.tobj, r.primary_key, coalesce(c.columns, ''))
           END
    FROM rel r
    LEFT JOIN (
        SELECT f.entity_id,
               string_agg(format(', %I %s%s%s', f.column_name, format_type(f.typid, f.typmod),
                                 CASE WHEN NOT f.is_nullable THEN ' NOT NULL' ELSE '' END,
                                 CASE WHEN f.default_expr IS NOT NULL THEN ' DEFAULT ' || f.default_expr ELSE '' END),
                          '' ORDER BY f.column_name) AS columns
        FROM fld f
        WHERE f.typid IS NOT NULL AND NOT f.is_table
        GROUP BY f.entity_id
    ) c ON c.entity_id = r.id
    WHERE NOT r.is_table

    UNION ALL  -- no primary key on the entity's key column
    SELECT 'missing_primary_key', r.id, NULL, r.tobj, format('PRIMARY KEY (%I)', r.primary_key),
           (SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k WHERE k.conrelid = r.relid AND k.contype = 'p'),
           format('ALTER TABLE %s ADD PRIMARY KEY (%I);', r.tobj, r.primary_key)
    FROM rel r
    LEFT JOIN pkcol pk ON pk.entity_id = r.id
    WHERE r.is_table
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                      WHERE k.conrelid = r.relid AND k.contype = 'p' AND k.conkey = ARRAY[pk.attnum])

    UNION ALL  -- metadata that cannot be realised
    SELECT 'invalid_metadata', f.entity_id, f.field_id, f.cobj, f.sql_type, 'type does not exist', NULL
    FROM fld f WHERE f.typid IS NULL
    UNION ALL
    SELECT 'invalid_metadata', f.entity_id, f.field_id, f.cobj, f.references_entity::text,
           'referenced entity has invalid metadata', NULL
    FROM fld f
    WHERE f.typid IS NOT NULL AND f.references_entity IS NOT NULL
      AND EXISTS (SELECT 1 FROM ent t WHERE t.id = f.references_entity AND t.forbidden)

    UNION ALL  -- field without column
    SELECT 'missing_column', c.entity_id, c.field_id, c.cobj,
           c.expected_type || CASE WHEN NOT c.is_nullable THEN ' NOT NULL' ELSE '' END
                           || CASE WHEN c.default_expr IS NOT NULL THEN ' DEFAULT ' || c.default_expr ELSE '' END
                           || CASE WHEN c.is_unique THEN ' UNIQUE' ELSE '' END,
           NULL,
           format('ALTER TABLE %s ADD COLUMN %I %s%s%s;', c.tobj, c.column_name, c.expected_type,
                  CASE WHEN c.default_expr IS NOT NULL THEN ' DEFAULT ' || c.default_expr ELSE '' END,
                  CASE WHEN NOT c.is_nullable THEN ' NOT NULL' ELSE '' END)
    FROM col c WHERE c.attnum IS NULL

    UNION ALL
    SELECT 'type_mismatch', p.entity_id, p.field_id, p.cobj, p.expected_type,
           format_type(p.atttypid, p.atttypmod),
           format('ALTER TABLE %s ALTER COLUMN %I TYPE %s USING %I::%s;',
                  p.tobj, p.column_name, p.expected_type, p.column_name, p.expected_type)
    FROM present p WHERE p.atttypid <> p.typid OR p.atttypmod <> p.typmod

    UNION ALL
    SELECT 'nullability_mismatch', p.entity_id, p.field_id, p.cobj,
           CASE WHEN p.is_nullable THEN 'NULL' ELSE 'NOT NULL' END,
           CASE WHEN p.attnotnull THEN 'NOT NULL' ELSE 'NULL' END,
           format('ALTER TABLE %s ALTER COLUMN %I %s NOT NULL;', p.tobj, p.column_name,
                  CASE WHEN p.is_nullable THEN 'DROP' ELSE 'SET' END)
    FROM present p WHERE p.attnotnull = p.is_nullable

    UNION ALL
    SELECT 'default_mismatch', d.entity_id, d.field_id, d.cobj, d.default_expr, d.actual_default,
           format('ALTER TABLE %s ALTER COLUMN %I %s;', d.tobj, d.column_name,
                  CASE WHEN d.default_expr IS NULL THEN 'DROP DEFAULT' ELSE 'SET DEFAULT ' || d.default_expr END)
    FROM defcmp d WHERE NOT d.default_equal

    UNION ALL
    SELECT 'unique_mismatch', p.entity_id, p.field_id, p.cobj,
           CASE WHEN p.is_unique THEN format('UNIQUE (%I)', p.column_name) END,
           (SELECT string_agg(CASE WHEN c.oid IS NOT NULL THEN format('UNIQUE (%I)', p.column_name)
                                   ELSE format('UNIQUE INDEX %I (%I)', ic.relname, p.column_name) END, ', '
                              ORDER BY ic.relname)
            FROM uniq q JOIN pg_class ic ON ic.oid = q.indexrelid
            LEFT JOIN pg_constraint c ON c.conindid = q.indexrelid AND c.contype = 'u' AND c.conrelid = q.relid
            WHERE q.relid = p.relid AND q.attnum = p.attnum),
           CASE WHEN p.is_unique THEN format('ALTER TABLE %s ADD UNIQUE (%I);', p.tobj, p.column_name)
           ELSE (SELECT string_agg(CASE WHEN c.oid IS NOT NULL
                                        THEN format('ALTER TABLE %s DROP CONSTRAINT %I;', p.tobj, c.conname)
                                        ELSE format('DROP INDEX %I.%I;', p.schema_name, ic.relname) END, E'\n'
                                   ORDER BY ic.relname)
                 FROM uniq q JOIN pg_class ic ON ic.oid = q.indexrelid
                 LEFT JOIN pg_constraint c ON c.conindid = q.indexrelid AND c.contype = 'u' AND c.conrelid = q.relid
                 WHERE q.relid = p.relid AND q.attnum = p.attnum) END
    FROM present p
    LEFT JOIN uniq_col u ON u.relid = p.relid AND u.attnum = p.attnum
    WHERE p.is_unique <> (u.n IS NOT NULL)

    UNION ALL
    SELECT 'foreign_key_mismatch', p.entity_id, p.field_id, p.cobj,
           CASE WHEN t.field_id IS NOT NULL THEN
               format('FOREIGN KEY (%I) REFERENCES %s(%I)%s', p.column_name, t.tobj, t.primary_key,
                      CASE p.on_delete WHEN 'no action' THEN '' ELSE ' ON DELETE ' || upper(p.on_delete) END)
           END,
           (SELECT string_agg(pg_get_constraintdef(fk.oid), ', ' ORDER BY fk.conname)
            FROM fkey fk WHERE fk.relid = p.relid AND fk.attnum = p.attnum),
           concat_ws(E'\n',
               (SELECT string_agg(format('ALTER TABLE %s DROP CONSTRAINT %I;', p.tobj, fk.conname), E'\n' ORDER BY fk.conname)
                FROM fkey fk WHERE fk.relid = p.relid AND fk.attnum = p.attnum),
               CASE WHEN t.field_id IS NOT NULL THEN
                   format('ALTER TABLE %s ADD FOREIGN KEY (%I) REFERENCES %s(%I)%s NOT VALID;',
                          p.tobj, p.column_name, t.tobj, t.primary_key,
                          CASE p.on_delete WHEN 'no action' THEN '' ELSE ' ON DELETE ' || upper(p.on_delete) END)
               END)
    FROM present p
    LEFT JOIN target t ON t.field_id = p.field_id
    LEFT JOIN fkey_col k ON k.relid = p.relid AND k.attnum = p.attnum
    LEFT JOIN fkey_ok ok ON ok.field_id = p.field_id
    WHERE NOT (p.references_entity IS NOT NULL AND t.field_id IS NULL)   -- invalid target: reported above
      AND CASE WHEN t.field_id IS NOT NULL THEN NOT (k.n = 1 AND ok.field_id IS NOT NULL)
               ELSE k.n IS NOT NULL END

    UNION ALL  -- columns no field describes
    SELECT 'extra_column', r.id, NULL, r.tobj || '.' || quote_ident(a.attname),
           NULL, format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
           NULL
    FROM rel r
    JOIN pg_attribute a ON a.attrelid = r.relid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE r.is_table AND a.attname <> r.primary_key
      AND NOT EXISTS (SELECT 1 FROM selegic.field f WHERE f.entity_id = r.id AND f.column_name = a.attname)

    UNION ALL  -- tables in managed schemas that no entity names
    SELECT 'unmanaged_table', NULL, NULL, quote_ident(n.nspname) || '.' || quote_ident(c.relname),
           NULL, CASE c.relkind WHEN 'p' THEN 'partitioned table' ELSE 'table' END, NULL
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND n.nspname IN (SELECT schema_name FROM ent WHERE NOT forbidden)
      AND NOT EXISTS (SELECT 1 FROM ent e WHERE e.schema_name = n.nspname AND e.table_name = c.relname)
)
SELECT kind, entity_id, field_id, object, expected, actual, fix
FROM report
ORDER BY object COLLATE "C", kind COLLATE "C", field_id, expected, actual
;
