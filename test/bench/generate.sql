-- Benchmark data for selegic_drift(): N entities x M fields, metadata rows and
-- real tables in sync, then a known set of drift of every kind, recorded in
-- public.bench_expected(kind, object) so that recall and precision of any
-- drift report can be computed exactly by joining on (kind, object).
--
-- Run in an empty database where the metadata tables selegic.entity and
-- selegic.field exist (CREATE EXTENSION selegic_drift, or their CREATE TABLE
-- statements alone), as a superuser, with psql:
--
--   psql -X -v n_entities=1000 -f test/bench/generate.sql
--
-- psql variables (all optional):
--   n_entities  number of entities (tables)                      default 100
--   n_fields    fields (columns) per entity, at least 20         default 20
--   drift_reps  instances of each drift variant; 0 = n/500, >=1  default 0
--
-- Layout: entities go to schemas bench and bench_crm. The first `hubs`
-- entities (n/10, at least 3) are the only targets of relation fields, so
-- that drift injected into the other entities (dropping a table or a primary
-- key) cannot cascade into drift elsewhere; no injection uses CASCADE, so an
-- accidental dependency makes generation fail instead of adding silent drift.
-- Every 50th entity (i % 50 = 7) has a name that needs quoting
-- ("Bench Item 7") and columns "Name" and "select".
--
-- Tables and foreign keys are created one statement per transaction (\gexec),
-- and the few hundred injections share one, so the default lock table suffices.

\set ON_ERROR_STOP on
\if :{?n_entities}
\else
\set n_entities 100
\endif
\if :{?n_fields}
\else
\set n_fields 20
\endif
\if :{?drift_reps}
\else
\set drift_reps 0
\endif

SET client_min_messages = warning;
-- Generation is not drift: keep ordinary (non-ALWAYS) event triggers, such as
-- a drift log's, out of the way while 100k columns are created.
SET session_replication_role = replica;

DO $check$
BEGIN
    IF to_regclass('selegic.entity') IS NULL OR to_regclass('selegic.field') IS NULL THEN
        RAISE EXCEPTION 'selegic.entity / selegic.field do not exist'
            USING HINT = 'CREATE EXTENSION selegic_drift first';
    END IF;
    IF EXISTS (SELECT 1 FROM selegic.entity) THEN
        RAISE EXCEPTION 'selegic.entity is not empty: generate into a fresh database';
    END IF;
END
$check$;

-- ------------------------------------------------------------ parameters

DROP TABLE IF EXISTS public.bench_params, public.bench_entities, public.bench_expected;

CREATE TABLE public.bench_params AS
SELECT :n_entities::int AS n_entities,
       :n_fields::int AS n_fields,
       greatest(3, ceil(:n_entities / 10.0))::int AS hubs,
       CASE WHEN :drift_reps > 0 THEN :drift_reps ELSE greatest(1, :n_entities / 500) END::int AS drift_reps;

DO $check_params$
BEGIN
    IF (SELECT n_fields FROM public.bench_params) < 20 THEN
        RAISE EXCEPTION 'n_fields must be at least 20 (the drift variants use the 20 template fields)';
    END IF;
END
$check_params$;

-- The injected drift: what a correct selegic_drift() must report, nothing more.
CREATE TABLE public.bench_expected (
    kind      text NOT NULL,
    object    text NOT NULL,
    entity_id uuid,
    field_id  uuid,
    variant   text NOT NULL,       -- how it was injected (see the DO block below)
    PRIMARY KEY (kind, object)
);

-- The 20 field templates. Spellings (a/b) and defaults (a/b) alternate between
-- entities, so equal types and defaults are written in several ways.
CREATE TEMP TABLE bench_tmpl (
    k          int PRIMARY KEY,
    slug       text NOT NULL,
    quoted_col text,             -- column name on entities whose names need quoting
    field_type text NOT NULL,
    sql_a      text NOT NULL,
    sql_b      text NOT NULL,
    not_null   boolean NOT NULL,
    def_a      text,
    def_b      text,
    is_unique  boolean NOT NULL,
    rel_mult   int,              -- relation field: target hub = 1 + (i * rel_mult) % hubs
    on_delete_a text NOT NULL,
    on_delete_b text NOT NULL
);
INSERT INTO bench_tmpl VALUES
 ( 1, 'code',         NULL,     'text',     'varchar(255)',  'character varying(255)',   true,  NULL,            NULL,                 true,  NULL, 'no action', 'no action'),
 ( 2, 'name',         'Name',   'text',     'text',          'text',                     true,  NULL,            NULL,                 false, NULL, 'no action', 'no action'),
 ( 3, 'title',        NULL,     'text',     'character varying(255)', 'varchar(255)',    false, NULL,            NULL,                 false, NULL, 'no action', 'no action'),
 ( 4, 'qty',          NULL,     'number',   'integer',       'int4',                     true,  '0',             '''0''::integer',     false, NULL, 'no action', 'no action'),
 ( 5, 'qty_reserved', NULL,     'number',   'int4',          'integer',                  false, '''0''::integer', '0',                 false, NULL, 'no action', 'no action'),
 ( 6, 'views',        NULL,     'number',   'bigint',        'int8',                     false, '0',             '''0''::bigint',      false, NULL, 'no action', 'no action'),
 ( 7, 'amount',       NULL,     'currency', 'numeric(12,2)', 'numeric(12, 2)',           true,  '0',             '''0''',              false, NULL, 'no action', 'no action'),
 ( 8, 'price',        NULL,     'currency', 'numeric(12,2)', 'numeric(12,2)',            false, NULL,            NULL,                 false, NULL, 'no action', 'no action'),
 ( 9, 'created_at',   NULL,     'datetime', 'timestamptz',   'timestamp with time zone', true,  'now()',         'CURRENT_TIMESTAMP',  false, NULL, 'no action', 'no action'),
 (10, 'updated_at',   NULL,     'datetime', 'timestamptz',   'timestamptz',              false, NULL,            NULL,                 false, NULL, 'no action', 'no action'),
 (11, 'active',       NULL,     'boolean',  'boolean',       'bool',                     true,  'true',          'TRUE',               false, NULL, 'no action', 'no action'),
 (12, 'archived',     NULL,     'boolean',  'boolean',       'boolean',                  false, 'false',         'false',              false, NULL, 'no action', 'no action'),
 (13, 'external_id',  NULL,     'uuid',     'uuid',          'uuid',                     false, NULL,            NULL,                 true,  NULL, 'no action', 'no action'),
 (14, 'label',        NULL,     'text',     'text',          'text',                     false, '''abc''',       '''abc''::text',      false, NULL, 'no action', 'no action'),
 (15, 'note',         NULL,     'text',     'varchar(255)',  'character varying(255)',   false, '''abc''',       '''abc''',            false, NULL, 'no action', 'no action'),
 (16, 'score',        'select', 'number',   'integer',       'int4',                     false, NULL,            NULL,                 false, NULL, 'no action', 'no action'),
 (17, 'rank',         NULL,     'number',   'int4',          'integer',                  true,  NULL,            NULL,                 false, NULL, 'no action', 'no action'),
 (18, 'owner_id',     NULL,     'relation', 'uuid',          'uuid',                     false, NULL,            NULL,                 false, 7,    'cascade',   'cascade'),
 (19, 'parent_id',    NULL,     'relation', 'uuid',          'uuid',                     false, NULL,            NULL,                 false, 11,   'set null',  'set null'),
 (20, 'category_id',  NULL,     'relation', 'uuid',          'uuid',                     false, NULL,            NULL,                 false, 13,   'no action', 'restrict');

-- ------------------------------------------------------------ metadata

CREATE TABLE public.bench_entities AS
SELECT i,
       md5('bench-entity-' || i)::uuid AS entity_id,
       i <= p.hubs AS is_hub
FROM public.bench_params p, generate_series(1, p.n_entities) AS i;
ALTER TABLE public.bench_entities ADD PRIMARY KEY (i);

INSERT INTO selegic.entity (id, slug, schema_name, table_name, primary_key)
SELECT b.entity_id,
       'item_' || b.i,
       CASE WHEN b.i % 3 = 0 THEN 'bench_crm' ELSE 'bench' END,
       CASE WHEN b.i % 50 = 7 THEN 'Bench Item ' || b.i ELSE 'item_' || b.i END,
       'id'
FROM public.bench_entities b;

-- Fields beyond the 20 templates repeat the plain ones (no unique, no relation).
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type,
                           is_nullable, default_expr, is_unique, references_entity, on_delete)
SELECT md5('bench-field-' || b.i || '-' || j)::uuid,
       b.entity_id,
       s.slug,
       CASE WHEN c.cycle = 0 AND b.i % 50 = 7 AND t.quoted_col IS NOT NULL THEN t.quoted_col ELSE s.slug END,
       CASE WHEN c.cycle > 0 AND t.rel_mult IS NOT NULL THEN 'uuid' ELSE t.field_type END,
       CASE WHEN b.i % 2 = 0 THEN t.sql_a ELSE t.sql_b END,
       NOT t.not_null,
       CASE WHEN (b.i / 2) % 2 = 0 THEN t.def_a ELSE t.def_b END,
       t.is_unique AND c.cycle = 0,
       CASE WHEN t.rel_mult IS NOT NULL AND c.cycle = 0
            THEN md5('bench-entity-' || (1 + (b.i * t.rel_mult) % p.hubs))::uuid END,
       CASE WHEN c.cycle > 0 THEN 'no action'
            WHEN b.i % 2 = 0 THEN t.on_delete_a ELSE t.on_delete_b END
FROM public.bench_params p
CROSS JOIN public.bench_entities b
CROSS JOIN generate_series(1, p.n_fields) AS j
CROSS JOIN LATERAL (SELECT (j - 1) / 20 AS cycle, (j - 1) % 20 + 1 AS k) c
JOIN bench_tmpl t ON t.k = c.k
CROSS JOIN LATERAL (SELECT t.slug || CASE WHEN c.cycle > 0 THEN '_' || c.cycle ELSE '' END AS slug) s;

-- ------------------------------------------------------------ real tables

SELECT format('CREATE SCHEMA IF NOT EXISTS %I', s)
FROM (SELECT DISTINCT schema_name AS s FROM selegic.entity ORDER BY 1) x
\gexec

-- Tables with primary key, columns, NOT NULL, defaults and unique constraints,
-- written from the metadata itself: in sync by construction.
SELECT format('CREATE TABLE %I.%I (%I uuid PRIMARY KEY%s)',
              e.schema_name, e.table_name, e.primary_key,
              string_agg(format(', %I %s%s%s%s',
                                f.column_name, f.sql_type,
                                CASE WHEN NOT f.is_nullable THEN ' NOT NULL' ELSE '' END,
                                CASE WHEN f.default_expr IS NOT NULL THEN ' DEFAULT ' || f.default_expr ELSE '' END,
                                CASE WHEN f.is_unique THEN ' UNIQUE' ELSE '' END),
                         '' ORDER BY f.id))
FROM public.bench_entities b
JOIN selegic.entity e ON e.id = b.entity_id
JOIN selegic.field f ON f.entity_id = e.id
GROUP BY b.i, e.id
ORDER BY b.i
\gexec

-- Foreign keys of relation fields, once every table exists.
SELECT format('ALTER TABLE %I.%I %s', e.schema_name, e.table_name,
              string_agg(format('ADD FOREIGN KEY (%I) REFERENCES %I.%I (%I) ON DELETE %s',
                                f.column_name, t.schema_name, t.table_name, t.primary_key,
                                upper(f.on_delete)),
                         ', ' ORDER BY f.column_name))
FROM public.bench_entities b
JOIN selegic.entity e ON e.id = b.entity_id
JOIN selegic.field f ON f.entity_id = e.id
JOIN selegic.entity t ON t.id = f.references_entity
GROUP BY b.i, e.id
ORDER BY b.i
\gexec

-- Things that are not drift: a view and a sequence in a managed schema, a
-- table in a schema no entity uses, a multi-column unique index (does not make
-- a field unique).
SELECT format('CREATE VIEW %I.bench_hub_view AS SELECT %I, %I FROM %I.%I',
              e.schema_name, e.primary_key, f.column_name, e.schema_name, e.table_name)
FROM selegic.entity e JOIN selegic.field f ON f.entity_id = e.id AND f.slug = 'code'
WHERE e.id = md5('bench-entity-1')::uuid
\gexec
CREATE SEQUENCE IF NOT EXISTS bench.bench_counter;
CREATE SCHEMA IF NOT EXISTS bench_other;
CREATE TABLE IF NOT EXISTS bench_other.misc (id int PRIMARY KEY, note text);
SELECT format('CREATE UNIQUE INDEX ON %I.%I (%I, %I)', e.schema_name, e.table_name, fa.column_name, fb.column_name)
FROM selegic.entity e
JOIN selegic.field fa ON fa.entity_id = e.id AND fa.slug = 'title'
JOIN selegic.field fb ON fb.entity_id = e.id AND fb.slug = 'rank'
WHERE e.id = md5('bench-entity-2')::uuid
\gexec

-- ------------------------------------------------------------ drift

-- Helpers for the injection, gone with the session.
CREATE FUNCTION pg_temp.tobj(e selegic.entity) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT quote_ident(e.schema_name) || '.' || quote_ident(e.table_name) $$;

CREATE FUNCTION pg_temp.fld(e selegic.entity, field_slug text) RETURNS selegic.field LANGUAGE sql STABLE
AS $$ SELECT f FROM selegic.field f WHERE f.entity_id = e.id AND f.slug = field_slug $$;

CREATE FUNCTION pg_temp.con(e selegic.entity, contype "char", column_name name) RETURNS name LANGUAGE sql STABLE
AS $$
    SELECT c.conname
    FROM pg_constraint c
    WHERE c.conrelid = format('%I.%I', e.schema_name, e.table_name)::regclass
      AND c.contype = con.contype
      AND (column_name IS NULL
           OR c.conkey = ARRAY[(SELECT a.attnum FROM pg_attribute a
                                WHERE a.attrelid = c.conrelid AND a.attname = column_name)])
$$;

CREATE FUNCTION pg_temp.expect(kind text, object text, variant text, e selegic.entity, f selegic.field)
RETURNS void LANGUAGE sql
AS $$ INSERT INTO public.bench_expected VALUES (kind, object, e.id, f.id, variant) $$;

-- One victim entity per injection, spread over the non-hub entities, so that no
-- two injections touch the same table. The unmanaged_table variants use their
-- victim's schema and number only.
DO $inject$
DECLARE
    p        public.bench_params;
    v        record;
    e        selegic.entity;
    f        selegic.field;
    g        selegic.entity;
    n_inj    int;
    stride   int;
    seq      int := 0;
    victim   int;
    t        text;       -- the victim's table, quoted and qualified
    c        text;       -- a column name, quoted
    cname    name;
BEGIN
    SELECT * INTO p FROM public.bench_params;
    CREATE TEMP TABLE bench_variants (ord int, kind text, variant text) ON COMMIT DROP;
    INSERT INTO bench_variants VALUES
        ( 1, 'missing_table',        'drop_table'),
        ( 2, 'missing_table',        'view_in_place'),
        ( 3, 'missing_primary_key',  'drop_primary_key'),
        ( 4, 'missing_column',       'drop_plain_column'),
        ( 5, 'missing_column',       'drop_unique_column'),
        ( 6, 'missing_column',       'drop_relation_column'),
        ( 7, 'type_mismatch',        'varchar_typmod'),
        ( 8, 'type_mismatch',        'numeric_typmod'),
        ( 9, 'type_mismatch',        'integer_to_bigint'),
        (10, 'type_mismatch',        'text_to_varchar'),
        (11, 'nullability_mismatch', 'set_not_null'),
        (12, 'nullability_mismatch', 'drop_not_null'),
        (13, 'default_mismatch',     'change_default'),
        (14, 'default_mismatch',     'drop_default'),
        (15, 'default_mismatch',     'add_default'),
        (16, 'default_mismatch',     'change_text_default'),
        (17, 'unique_mismatch',      'drop_unique_constraint'),
        (18, 'unique_mismatch',      'add_unique_index'),
        (19, 'unique_mismatch',      'add_unique_constraint'),
        (20, 'foreign_key_mismatch', 'drop_foreign_key'),
        (21, 'foreign_key_mismatch', 'change_on_delete'),
        (22, 'foreign_key_mismatch', 'wrong_target'),
        (23, 'foreign_key_mismatch', 'not_valid'),
        (24, 'foreign_key_mismatch', 'foreign_key_on_plain_field'),
        (25, 'extra_column',         'add_column'),
        (26, 'extra_column',         'add_quoted_column'),
        (27, 'unmanaged_table',      'stale_table'),
        (28, 'unmanaged_table',      'stale_partitioned_table'),
        (29, 'invalid_metadata',     'unknown_type'),
        (30, 'invalid_metadata',     'default_does_not_fit'),
        (31, 'invalid_metadata',     'default_does_not_parse');

    n_inj := (SELECT count(*) FROM bench_variants) * p.drift_reps;
    stride := (p.n_entities - p.hubs) / n_inj;
    IF stride < 1 THEN
        RAISE EXCEPTION 'too few entities (%) for % drift injections', p.n_entities, n_inj
            USING HINT = format('use at least %s entities, or a smaller drift_reps',
                                ceil((n_inj + 3) / 0.9));
    END IF;

    FOR v IN SELECT b.*, r FROM bench_variants b, generate_series(1, p.drift_reps) r ORDER BY r, b.ord LOOP
        victim := p.hubs + 1 + seq * stride;
        seq := seq + 1;
        SELECT * INTO STRICT e FROM selegic.entity WHERE id = md5('bench-entity-' || victim)::uuid;
        t := pg_temp.tobj(e);

        CASE v.variant
        WHEN 'drop_table' THEN
            EXECUTE format('DROP TABLE %s', t);
            PERFORM pg_temp.expect(v.kind, t, v.variant, e, NULL);
        WHEN 'view_in_place' THEN
            EXECUTE format('DROP TABLE %s', t);
            EXECUTE format('CREATE VIEW %s AS SELECT gen_random_uuid() AS %I', t, e.primary_key);
            PERFORM pg_temp.expect(v.kind, t, v.variant, e, NULL);
        WHEN 'drop_primary_key' THEN
            EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', t, pg_temp.con(e, 'p', NULL));
            PERFORM pg_temp.expect(v.kind, t, v.variant, e, NULL);
        ELSE
            -- column-level variants
            f := pg_temp.fld(e, CASE v.variant
                WHEN 'drop_plain_column'          THEN 'note'
                WHEN 'drop_unique_column'         THEN 'code'
                WHEN 'drop_relation_column'       THEN 'owner_id'
                WHEN 'varchar_typmod'             THEN 'title'
                WHEN 'numeric_typmod'             THEN 'price'
                WHEN 'integer_to_bigint'          THEN 'score'
                WHEN 'text_to_varchar'            THEN 'name'
                WHEN 'set_not_null'               THEN 'title'
                WHEN 'drop_not_null'              THEN 'rank'
                WHEN 'change_default'             THEN 'qty'
                WHEN 'drop_default'               THEN 'created_at'
                WHEN 'add_default'                THEN 'price'
                WHEN 'change_text_default'        THEN 'label'
                WHEN 'drop_unique_constraint'     THEN 'code'
                WHEN 'add_unique_index'           THEN 'score'
                WHEN 'add_unique_constraint'      THEN 'label'
                WHEN 'drop_foreign_key'           THEN 'owner_id'
                WHEN 'change_on_delete'           THEN 'parent_id'
                WHEN 'wrong_target'               THEN 'category_id'
                WHEN 'not_valid'                  THEN 'owner_id'
                WHEN 'foreign_key_on_plain_field' THEN 'external_id'
                WHEN 'unknown_type'               THEN 'views'
                WHEN 'default_does_not_fit'       THEN 'score'
                WHEN 'default_does_not_parse'     THEN 'rank'
                END);
            c := quote_ident(f.column_name);

            CASE v.variant
            WHEN 'drop_plain_column', 'drop_unique_column', 'drop_relation_column' THEN
                -- no CASCADE: the column's own unique index / foreign key go with it,
                -- anything else depending on it would make this fail
                EXECUTE format('ALTER TABLE %s DROP COLUMN %s', t, c);
            WHEN 'varchar_typmod' THEN
                EXECUTE format('ALTER TABLE %s ALTER COLUMN %s TYPE varchar(100)', t, c);
            WHEN 'numeric_typmod' THEN
                EXECUTE format('ALTER TABLE %s ALTER COLUMN %s TYPE numeric(14,2)', t, c);
            WHEN 'integer_to_bigint' THEN
                EXECUTE format('ALTER TABLE %s ALTER COLUMN %s TYPE bigint', t, c);
            WHEN 'text_to_varchar' THEN
                EXECUTE format('ALTER TABLE %s ALTER COLUMN %s TYPE varchar(80)', t, c);
            WHEN 'set_not_null' THEN
                EXECUTE format('ALTER TABLE %s ALTER COLUMN %s SET NOT NULL', t, c);
            WHEN 'drop_not_null' THEN
                EXECUTE format('ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL', t, c);
            WHEN 'change_default' THEN
                EXECUTE format('ALTER TABLE %s ALTER COLUMN %s SET DEFAULT 1', t, c);
            WHEN 'drop_default' THEN
                EXECUTE format('ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT', t, c);
            WHEN 'add_default' THEN
                EXECUTE format('ALTER TABLE %s ALTER COLUMN %s SET DEFAULT 9.99', t, c);
            WHEN 'change_text_default' THEN
                EXECUTE format('ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %L', t, c, 'abd');
            WHEN 'drop_unique_constraint' THEN
                EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', t, pg_temp.con(e, 'u', f.column_name));
            WHEN 'add_unique_index' THEN
                EXECUTE format('CREATE UNIQUE INDEX ON %s (%s)', t, c);
            WHEN 'add_unique_constraint' THEN
                EXECUTE format('ALTER TABLE %s ADD UNIQUE (%s)', t, c);
            WHEN 'drop_foreign_key' THEN
                EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', t, pg_temp.con(e, 'f', f.column_name));
            WHEN 'change_on_delete' THEN
                SELECT * INTO STRICT g FROM selegic.entity WHERE id = f.references_entity;
                cname := pg_temp.con(e, 'f', f.column_name);
                EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I, ADD CONSTRAINT %I FOREIGN KEY (%s) REFERENCES %s (%I) ON DELETE %s',
                               t, cname, cname, c, pg_temp.tobj(g), g.primary_key,
                               CASE WHEN f.on_delete = 'cascade' THEN 'SET NULL' ELSE 'CASCADE' END);
            WHEN 'wrong_target' THEN
                -- another hub than the field's target
                SELECT * INTO STRICT g FROM selegic.entity
                WHERE id = md5('bench-entity-' || (1 + (SELECT b.i FROM public.bench_entities b
                                                         WHERE b.entity_id = f.references_entity) % p.hubs))::uuid;
                cname := pg_temp.con(e, 'f', f.column_name);
                EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I, ADD CONSTRAINT %I FOREIGN KEY (%s) REFERENCES %s (%I) ON DELETE %s',
                               t, cname, cname, c, pg_temp.tobj(g), g.primary_key, upper(f.on_delete));
            WHEN 'not_valid' THEN
                SELECT * INTO STRICT g FROM selegic.entity WHERE id = f.references_entity;
                cname := pg_temp.con(e, 'f', f.column_name);
                EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', t, cname);
                EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (%s) REFERENCES %s (%I) ON DELETE %s NOT VALID',
                               t, cname, c, pg_temp.tobj(g), g.primary_key, upper(f.on_delete));
            WHEN 'foreign_key_on_plain_field' THEN
                SELECT * INTO STRICT g FROM selegic.entity WHERE id = md5('bench-entity-1')::uuid;
                EXECUTE format('ALTER TABLE %s ADD FOREIGN KEY (%s) REFERENCES %s (%I)',
                               t, c, pg_temp.tobj(g), g.primary_key);
            WHEN 'add_column' THEN
                c := quote_ident('legacy_flag');
                EXECUTE format('ALTER TABLE %s ADD COLUMN %s boolean', t, c);
                f := NULL;
            WHEN 'add_quoted_column' THEN
                c := quote_ident('Legacy Note');
                EXECUTE format('ALTER TABLE %s ADD COLUMN %s text DEFAULT %L', t, c, 'n/a');
                f := NULL;
            WHEN 'stale_table' THEN
                t := format('%I.%I', e.schema_name, 'stale_orders_' || victim);
                EXECUTE format('CREATE TABLE %s (id integer PRIMARY KEY, payload text)', t);
                e := NULL;
                f := NULL;
            WHEN 'stale_partitioned_table' THEN
                -- only the partitioned table is unmanaged; its partition is not reported
                t := format('%I.%I', e.schema_name, 'stale_events_' || victim);
                EXECUTE format('CREATE TABLE %s (id integer, at date) PARTITION BY RANGE (at)', t);
                EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                               e.schema_name, 'stale_events_' || victim || '_2024', t, '2024-01-01', '2025-01-01');
                e := NULL;
                f := NULL;
            WHEN 'unknown_type' THEN
                UPDATE selegic.field SET sql_type = 'bench_no_such_type' WHERE id = f.id;
            WHEN 'default_does_not_fit' THEN
                -- the column has no default; the field's default cannot be an integer
                UPDATE selegic.field SET default_expr = '''abc''' WHERE id = f.id;
            WHEN 'default_does_not_parse' THEN
                UPDATE selegic.field SET default_expr = '1 +' WHERE id = f.id;
            END CASE;

            IF v.kind = 'unmanaged_table' THEN
                PERFORM pg_temp.expect(v.kind, t, v.variant, NULL, NULL);
            ELSE
                PERFORM pg_temp.expect(v.kind, t || '.' || c, v.variant, e, f);
            END IF;
        END CASE;
    END LOOP;
END
$inject$;

-- Entities whose drift is about the metadata as a whole: one in a schema that
-- does not exist (missing_table), one in a forbidden schema (invalid_metadata,
-- and its fields add nothing). Neither has a table.
INSERT INTO selegic.entity (id, slug, schema_name, table_name, primary_key) VALUES
    (md5('bench-entity-ghost')::uuid, 'ghost_items', 'bench_ghost', 'ghost_items', 'id'),
    (md5('bench-entity-forbidden')::uuid, 'forbidden_items', 'pg_catalog', 'bench_forbidden', 'id');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, is_nullable, default_expr)
SELECT md5('bench-field-' || x.tag || '-' || j)::uuid, md5('bench-entity-' || x.tag)::uuid,
       'f' || j, 'f' || j, 'number', 'integer', j % 2 = 0, CASE WHEN j % 2 = 0 THEN '0' END
FROM (VALUES ('ghost'), ('forbidden')) AS x(tag), generate_series(1, 3) AS j;
INSERT INTO public.bench_expected VALUES
    ('missing_table', 'bench_ghost.ghost_items', md5('bench-entity-ghost')::uuid, NULL, 'schema_missing'),
    ('invalid_metadata', 'pg_catalog.bench_forbidden', md5('bench-entity-forbidden')::uuid, NULL, 'forbidden_schema');

RESET session_replication_role;

-- Steady state: fresh planner statistics for the catalogs and the metadata.
ANALYZE selegic.entity;
ANALYZE selegic.field;
ANALYZE pg_catalog.pg_class;
ANALYZE pg_catalog.pg_attribute;
ANALYZE pg_catalog.pg_attrdef;
ANALYZE pg_catalog.pg_constraint;
ANALYZE pg_catalog.pg_index;
ANALYZE pg_catalog.pg_type;
ANALYZE pg_catalog.pg_depend;
ANALYZE public.bench_expected;
ANALYZE public.bench_entities;

SELECT p.n_entities AS entities,
       (SELECT count(*) FROM selegic.field) AS fields,
       p.hubs, p.drift_reps,
       (SELECT count(*) FROM public.bench_expected) AS injected_drift
FROM public.bench_params p;
