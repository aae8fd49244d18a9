-- The floor: read the catalog and metadata rows that a drift check needs, for
-- the managed schemas only, and compare nothing. One row of counts and cheap
-- checksums, so that every row is fetched and the columns a checker would use
-- are read (deformed), but no text is built and no expression is deparsed.
--
--   selegic.entity, selegic.field                 every row
--   pg_namespace, pg_class                        relations of the managed schemas
--   pg_attribute, pg_attrdef                      their user columns and defaults
--   pg_constraint, pg_index                       their constraints and indexes
WITH
ns AS (
    SELECT n.oid
    FROM pg_namespace n
    WHERE n.nspname IN (SELECT e.schema_name FROM selegic.entity e)
),
rels AS (
    SELECT c.oid, c.relname, c.relkind, c.relispartition
    FROM pg_class c
    WHERE c.relnamespace IN (SELECT oid FROM ns)
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'c')
)
SELECT
    (SELECT count(*) + coalesce(sum(length(e.slug) + length(e.schema_name::text) + length(e.table_name::text)
                                    + length(e.primary_key::text)), 0)
     FROM selegic.entity e) AS entity,
    (SELECT count(*) + coalesce(sum(length(f.column_name::text) + length(f.sql_type)
                                    + coalesce(length(f.default_expr), 0) + f.is_nullable::int
                                    + f.is_unique::int + (f.references_entity IS NOT NULL)::int
                                    + length(f.on_delete) + (f.entity_id IS NOT NULL)::int), 0)
     FROM selegic.field f) AS field,
    (SELECT count(*) + coalesce(sum(length(r.relname::text) + ascii(r.relkind::text) + r.relispartition::int), 0)
     FROM rels r) AS class,
    (SELECT count(*) + coalesce(sum(length(a.attname::text) + a.atttypid::int8 + a.atttypmod
                                    + a.attnotnull::int + a.atthasdef::int), 0)
     FROM pg_attribute a JOIN rels r ON r.oid = a.attrelid
     WHERE a.attnum > 0 AND NOT a.attisdropped) AS attribute,
    (SELECT count(*) + coalesce(sum(d.adnum + pg_column_size(d.adbin)), 0)
     FROM pg_attrdef d JOIN rels r ON r.oid = d.adrelid) AS attrdef,
    (SELECT count(*) + coalesce(sum(ascii(k.contype::text) + cardinality(k.conkey) + coalesce(cardinality(k.confkey), 0)
                                    + k.confrelid::int8 + ascii(k.confdeltype::text) + k.convalidated::int
                                    + length(k.conname::text)), 0)
     FROM pg_constraint k JOIN rels r ON r.oid = k.conrelid) AS constraint_,
    (SELECT count(*) + coalesce(sum(i.indnkeyatts + i.indisunique::int + i.indisprimary::int + i.indkey[0]
                                    + (i.indpred IS NULL)::int + (i.indexprs IS NULL)::int), 0)
     FROM pg_index i JOIN rels r ON r.oid = i.indrelid) AS index
;
