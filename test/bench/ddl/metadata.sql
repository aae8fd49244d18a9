-- DDL capture benchmark, configuration (b): metadata describing the tables of
-- schema app (schema.sql) as n_tables entities with 7 fields each (the uuid
-- primary key id is the entity's own), in sync with the catalog. Run after
-- CREATE EXTENSION selegic_drift.
-- psql -v n_tables=200 -f metadata.sql
\set ON_ERROR_STOP on
\if :{?n_tables}
\else
\set n_tables 200
\endif

INSERT INTO selegic.entity (id, slug, schema_name, table_name, primary_key)
SELECT md5('ddl-bench-entity-' || i)::uuid, 'item_' || lpad(i::text, 3, '0'),
       'app', 'item_' || lpad(i::text, 3, '0'), 'id'
FROM generate_series(1, :n_tables) AS i;

INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type,
                           is_nullable, default_expr)
SELECT md5('ddl-bench-field-' || i || '-' || f.col)::uuid, md5('ddl-bench-entity-' || i)::uuid,
       f.col, f.col, f.field_type, f.sql_type, f.is_nullable, f.default_expr
FROM generate_series(1, :n_tables) AS i,
     (VALUES ('code',       'text',     'varchar(32)',   false, NULL),
             ('name',       'text',     'text',          true,  NULL),
             ('qty',        'number',   'integer',       false, '0'),
             ('price',      'currency', 'numeric(12,2)', true,  NULL),
             ('created_at', 'datetime', 'timestamptz',   false, 'now()'),
             ('active',     'boolean',  'boolean',       false, 'true'),
             ('note',       'text',     'text',          true,  NULL))
     AS f(col, field_type, sql_type, is_nullable, default_expr);
