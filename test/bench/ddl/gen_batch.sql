-- DDL capture benchmark: prints the batch of DDL statements on the tables of
-- one schema (schema.sql), 10 per table, one per line; with n_tables = 200,
-- 2,000 statements. psql -At -v schema=app -v n_tables=200 -f gen_batch.sql
--
-- Per table, in order, leaving the table as it found it (except for one more
-- dropped column in pg_attribute): add a column, give it a default, set and
-- drop NOT NULL on an existing column, rename the new column, index it,
-- comment on an existing column, drop the new column's default, drop the
-- index, drop the column. Nothing rewrites a table. In configuration (b) on
-- schema app, name and note are fields, bench_extra is an unknown column of a
-- managed table, and DROP INDEX and DROP COLUMN also fire sql_drop.
\set ON_ERROR_STOP on
\if :{?n_tables}
\else
\set n_tables 200
\endif

SELECT format(CASE k
    WHEN  1 THEN 'ALTER TABLE %1$I.%2$I ADD COLUMN bench_extra integer;'
    WHEN  2 THEN 'ALTER TABLE %1$I.%2$I ALTER COLUMN bench_extra SET DEFAULT 0;'
    WHEN  3 THEN 'ALTER TABLE %1$I.%2$I ALTER COLUMN name SET NOT NULL;'
    WHEN  4 THEN 'ALTER TABLE %1$I.%2$I ALTER COLUMN name DROP NOT NULL;'
    WHEN  5 THEN 'ALTER TABLE %1$I.%2$I RENAME COLUMN bench_extra TO bench_renamed;'
    WHEN  6 THEN 'CREATE INDEX %3$I ON %1$I.%2$I (bench_renamed);'
    WHEN  7 THEN 'COMMENT ON COLUMN %1$I.%2$I.note IS ''changed by the DDL benchmark'';'
    WHEN  8 THEN 'ALTER TABLE %1$I.%2$I ALTER COLUMN bench_renamed DROP DEFAULT;'
    WHEN  9 THEN 'DROP INDEX %1$I.%3$I;'
    WHEN 10 THEN 'ALTER TABLE %1$I.%2$I DROP COLUMN bench_renamed;'
  END, :'schema', 'item_' || lpad(i::text, 3, '0'), 'item_' || lpad(i::text, 3, '0') || '_bench_idx')
FROM generate_series(1, :n_tables) AS i, generate_series(1, 10) AS k
ORDER BY i, k;
