-- DDL capture benchmark, workload R ("rewrites"): prints the batch of DDL
-- statements on the tables of one schema (schema_r.sql), 4 per table, one per
-- line; with n_tables = 500, 2,000 statements.
-- psql -At -v schema=app -v n_tables=500 -f gen_batch_r.sql
--
-- Per table, in order, leaving the table as it found it (except for one more
-- dropped column in pg_attribute): add a column, change its type to bigint
-- and back (each rewrites the table and its primary key index: table_rewrite
-- fires), drop it. In configuration (b) on schema app, x is an unknown column
-- of a managed table, and DROP COLUMN also fires sql_drop.
\set ON_ERROR_STOP on
\if :{?n_tables}
\else
\set n_tables 500
\endif

SELECT format(CASE k
    WHEN 1 THEN 'ALTER TABLE %1$I.%2$I ADD COLUMN x integer;'
    WHEN 2 THEN 'ALTER TABLE %1$I.%2$I ALTER COLUMN x TYPE bigint;'
    WHEN 3 THEN 'ALTER TABLE %1$I.%2$I ALTER COLUMN x TYPE integer;'
    WHEN 4 THEN 'ALTER TABLE %1$I.%2$I DROP COLUMN x;'
  END, :'schema', 'item_' || lpad(i::text, 3, '0'))
FROM generate_series(1, :n_tables) AS i, generate_series(1, 4) AS k
ORDER BY i, k;
