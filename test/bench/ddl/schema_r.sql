-- DDL capture benchmark, workload R ("rewrites"): the tables the DDL batches
-- alter. The same in every configuration's database.
-- psql -v n_tables=500 -v rows_per_table=1000 -f schema_r.sql
--
--   app.item_NNN    managed in configuration (b): each is an entity's table
--                   with 20 fields (metadata_r.sql), so app is a managed schema
--   plain.item_NNN  never managed: no entity names the table or the schema
--
-- An entity's table as the API makes it: uuid primary key id and 20 columns
-- of mixed types, rows_per_table rows (default 1,000), so that a statement
-- that rewrites the table (ALTER COLUMN ... TYPE) costs a few milliseconds.
\set ON_ERROR_STOP on
\if :{?n_tables}
\else
\set n_tables 500
\endif
\if :{?rows_per_table}
\else
\set rows_per_table 1000
\endif

CREATE SCHEMA app;
CREATE SCHEMA plain;

SELECT format($f$CREATE TABLE %I.%I (
    id          uuid PRIMARY KEY,
    code        varchar(32) NOT NULL,
    name        text,
    qty         integer NOT NULL DEFAULT 0,
    price       numeric(12,2),
    created_at  timestamptz NOT NULL DEFAULT now(),
    active      boolean NOT NULL DEFAULT true,
    note        text,
    ref_no      bigint,
    weight      numeric(12,2),
    due_on      date,
    updated_at  timestamptz,
    status      varchar(16) NOT NULL DEFAULT 'new',
    score       integer,
    amount      numeric(12,2) NOT NULL DEFAULT 0,
    description text,
    priority    smallint,
    category    text,
    external_id uuid,
    ratio       double precision,
    flags       integer NOT NULL DEFAULT 0)$f$, s, 'item_' || lpad(i::text, 3, '0'))
FROM unnest(ARRAY['app', 'plain']) AS s, generate_series(1, :n_tables) AS i
ORDER BY s, i
\gexec

-- Deterministic contents (but for created_at), about 200 bytes a row.
SELECT format($f$INSERT INTO %I.%I
    SELECT md5(%L || g)::uuid, 'c' || g, 'name ' || g, g, g * 1.5, now(), g %% 7 <> 0,
           CASE WHEN g %% 3 = 0 THEN NULL ELSE 'note ' || g END, g * 1000003, g * 0.25,
           date '2026-01-01' + g %% 365, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute',
           (ARRAY['new', 'open', 'closed'])[1 + g %% 3], g %% 100, g * 2.75,
           'description of row ' || g || ' of the DDL benchmark', (g %% 5)::smallint,
           'category ' || g %% 10, md5(%L || g)::uuid, g / 7.0, g %% 16
    FROM generate_series(1, %s) AS g$f$,
    s, 'item_' || lpad(i::text, 3, '0'), s || i || '-', s || i || '-ext-', :rows_per_table)
FROM unnest(ARRAY['app', 'plain']) AS s, generate_series(1, :n_tables) AS i
ORDER BY s, i
\gexec
