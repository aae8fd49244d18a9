-- DDL capture benchmark, workload R, configuration (b): metadata of
-- n_entities entities with 20 fields each (the uuid primary key id is the
-- entity's own), all in schema app. The first n_tables of them describe the
-- tables app.item_NNN of schema_r.sql, in sync with the catalog; the others
-- name tables that do not exist (app.ghost_NNNNN: drift of kind
-- missing_table), so that the metadata can be made larger than the tables.
-- Run after CREATE EXTENSION selegic_drift.
-- psql -v n_tables=500 -v n_entities=510 -f metadata_r.sql
\set ON_ERROR_STOP on
\if :{?n_tables}
\else
\set n_tables 500
\endif
\if :{?n_entities}
\else
\set n_entities 510
\endif

INSERT INTO selegic.entity (id, slug, schema_name, table_name, primary_key)
SELECT md5('ddl-bench-entity-' || i)::uuid,
       CASE WHEN i <= :n_tables THEN 'item_' || lpad(i::text, 3, '0') ELSE 'ghost_' || lpad(i::text, 5, '0') END,
       'app',
       CASE WHEN i <= :n_tables THEN 'item_' || lpad(i::text, 3, '0') ELSE 'ghost_' || lpad(i::text, 5, '0') END,
       'id'
FROM generate_series(1, :n_entities) AS i;

INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type,
                           is_nullable, default_expr)
SELECT md5('ddl-bench-field-' || i || '-' || f.col)::uuid, md5('ddl-bench-entity-' || i)::uuid,
       f.col, f.col, f.field_type, f.sql_type, f.is_nullable, f.default_expr
FROM generate_series(1, :n_entities) AS i,
     (VALUES ('code',        'text',     'varchar(32)',      false, NULL),
             ('name',        'text',     'text',             true,  NULL),
             ('qty',         'number',   'integer',          false, '0'),
             ('price',       'currency', 'numeric(12,2)',    true,  NULL),
             ('created_at',  'datetime', 'timestamptz',      false, 'now()'),
             ('active',      'boolean',  'boolean',          false, 'true'),
             ('note',        'text',     'text',             true,  NULL),
             ('ref_no',      'number',   'bigint',           true,  NULL),
             ('weight',      'number',   'numeric(12,2)',    true,  NULL),
             ('due_on',      'date',     'date',             true,  NULL),
             ('updated_at',  'datetime', 'timestamptz',      true,  NULL),
             ('status',      'text',     'varchar(16)',      false, '''new'''),
             ('score',       'number',   'integer',          true,  NULL),
             ('amount',      'currency', 'numeric(12,2)',    false, '0'),
             ('description', 'text',     'text',             true,  NULL),
             ('priority',    'number',   'smallint',         true,  NULL),
             ('category',    'text',     'text',             true,  NULL),
             ('external_id', 'text',     'uuid',             true,  NULL),
             ('ratio',       'number',   'double precision', true,  NULL),
             ('flags',       'number',   'integer',          false, '0'))
     AS f(col, field_type, sql_type, is_nullable, default_expr);
