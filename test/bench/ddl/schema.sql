-- DDL capture benchmark: the tables the DDL batches alter. The same in every
-- configuration's database. psql -v n_tables=200 -f schema.sql
--
--   app.item_NNN    managed in configuration (b): each is an entity's table
--                   (metadata.sql), and app is therefore a managed schema
--   plain.item_NNN  never managed: no entity names the table or the schema
--
-- Small tables (rows_per_table rows, default 10), so SET NOT NULL and CREATE
-- INDEX cost a scan of a page, not of a big table: what is measured is the
-- DDL machinery and its capture.
\set ON_ERROR_STOP on
\if :{?n_tables}
\else
\set n_tables 200
\endif
\if :{?rows_per_table}
\else
\set rows_per_table 10
\endif

CREATE SCHEMA app;
CREATE SCHEMA plain;

SELECT format($f$CREATE TABLE %I.%I (
    id         uuid PRIMARY KEY,
    code       varchar(32) NOT NULL,
    name       text,
    qty        integer NOT NULL DEFAULT 0,
    price      numeric(12,2),
    created_at timestamptz NOT NULL DEFAULT now(),
    active     boolean NOT NULL DEFAULT true,
    note       text)$f$, s, 'item_' || lpad(i::text, 3, '0'))
FROM unnest(ARRAY['app', 'plain']) AS s, generate_series(1, :n_tables) AS i
ORDER BY s, i
\gexec

SELECT format($f$INSERT INTO %I.%I
    SELECT md5(%L || g)::uuid, 'c' || g, 'name ' || g, g, g * 1.5, now(), true, NULL
    FROM generate_series(1, %s) AS g$f$, s, 'item_' || lpad(i::text, 3, '0'), s || i || '-', :rows_per_table)
FROM unnest(ARRAY['app', 'plain']) AS s, generate_series(1, :n_tables) AS i
ORDER BY s, i
\gexec
