-- selegic_preflight(): everything that would make CREATE TABLE schema.table
-- fail or go wrong for the current role, one problem code each; no rows
-- means safe. The fixes run as written and leave the name safe.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
CREATE ROLE regress_pre_api;
CREATE SCHEMA regress_pre;
CREATE SCHEMA "Pre ""Flight""";

-- null_name, empty_name
SELECT * FROM selegic_preflight(NULL, 'orders');
SELECT * FROM selegic_preflight('regress_pre', NULL);
SELECT * FROM selegic_preflight('', '');

-- name_too_long: bytes count, not characters; 63 bytes is still fine.
SELECT * FROM selegic_preflight('regress_pre', repeat('x', 63));
SELECT * FROM selegic_preflight('regress_pre', repeat('x', 64));
SELECT * FROM selegic_preflight('regress_pre', 'ab' || repeat('ü', 31));
SELECT * FROM selegic_preflight(repeat('s', 70), 'orders');

-- reserved_schema: nothing else is checked there.
SELECT * FROM selegic_preflight('pg_catalog', 'pg_class');
SELECT * FROM selegic_preflight('information_schema', 'orders');
SELECT * FROM selegic_preflight('pg_temp', 'orders');

-- schema_missing, for a role that may not create schemas either; the fix
-- makes the schema the role's own.
SET ROLE regress_pre_api;
SELECT problem, replace(detail, current_database(), '<db>') AS detail, fix
FROM selegic_preflight('regress_pre new', 'orders');
CREATE TEMP TABLE pre_fixes AS SELECT fix FROM selegic_preflight('regress_pre new', 'orders');
RESET ROLE;
SELECT fix FROM pre_fixes \gexec
SELECT nspowner::regrole AS owner FROM pg_namespace WHERE nspname = 'regress_pre new';
SET ROLE regress_pre_api;
SELECT * FROM selegic_preflight('regress_pre new', 'orders');

-- no_usage, no_create: granted by the fixes, and then CREATE TABLE works.
SELECT * FROM selegic_preflight('regress_pre', 'orders');
DROP TABLE pre_fixes;
CREATE TEMP TABLE pre_fixes AS SELECT fix FROM selegic_preflight('regress_pre', 'orders');
RESET ROLE;
SELECT fix FROM pre_fixes \gexec
SET ROLE regress_pre_api;
SELECT * FROM selegic_preflight('regress_pre', 'orders');
CREATE TABLE regress_pre.orders (id uuid PRIMARY KEY);
-- Now the name is taken: by the role's own table.
SELECT * FROM selegic_preflight('regress_pre', 'orders');
RESET ROLE;
DROP TABLE regress_pre.orders;

-- relation_exists and type_exists: every kind of object that holds a name
-- in the relation or type namespace of the schema.
CREATE FOREIGN DATA WRAPPER regress_pre_fdw;
CREATE SERVER regress_pre_srv FOREIGN DATA WRAPPER regress_pre_fdw;
CREATE TABLE regress_pre.a_table (id int);
CREATE TABLE regress_pre.a_partitioned (id int) PARTITION BY LIST (id);
CREATE TABLE regress_pre.a_partition PARTITION OF regress_pre.a_partitioned FOR VALUES IN (1);
CREATE VIEW regress_pre.a_view AS SELECT 1 AS one;
CREATE MATERIALIZED VIEW regress_pre.a_matview AS SELECT 1 AS one;
CREATE SEQUENCE regress_pre.a_sequence;
CREATE INDEX an_index ON regress_pre.a_table (id);
CREATE FOREIGN TABLE regress_pre.a_foreign_table (id int) SERVER regress_pre_srv;
CREATE TYPE regress_pre.a_composite AS (x int);
CREATE DOMAIN regress_pre.a_domain AS int;
CREATE TYPE regress_pre.an_enum AS ENUM ('a');
CREATE TYPE regress_pre.a_range AS RANGE (subtype = int, multirange_type_name = regress_pre.a_multirange);
CREATE TYPE regress_pre.a_shell;
CREATE TABLE regress_pre.a_table_stale (id int);   -- the first rename target is taken

CREATE TEMP TABLE pre_names (name text);
INSERT INTO pre_names VALUES ('a_table'), ('a_partitioned'), ('a_partition'), ('a_view'),
  ('a_matview'), ('a_sequence'), ('an_index'), ('a_foreign_table'), ('a_composite'),
  ('a_domain'), ('an_enum'), ('a_range'), ('a_multirange'), ('a_shell'),
  ('_an_enum'),          -- an implicit array type: CREATE TABLE moves it aside
  ('a_free_name');
SELECT n.name, p.* FROM pre_names n, selegic_preflight('regress_pre', n.name) p ORDER BY n.name COLLATE "C";

-- The renames run, nothing is dropped, and every name is free afterwards
-- (but the shell type's, which needs a human).
SELECT p.fix FROM pre_names n, selegic_preflight('regress_pre', n.name) p
WHERE p.fix IS NOT NULL ORDER BY n.name COLLATE "C" \gexec
SELECT n.name, p.problem FROM pre_names n, selegic_preflight('regress_pre', n.name) p ORDER BY n.name COLLATE "C";
SELECT format('CREATE TABLE regress_pre.%I (id uuid PRIMARY KEY)', name) FROM pre_names
WHERE name <> 'a_shell' ORDER BY name COLLATE "C" \gexec
SELECT relname, relkind FROM pg_class
WHERE relnamespace = 'regress_pre'::regnamespace AND relname LIKE '%stale%' ORDER BY relname COLLATE "C";
SELECT typname, typtype FROM pg_type
WHERE typnamespace = 'regress_pre'::regnamespace AND typname LIKE '%stale%' ORDER BY typname COLLATE "C";

-- A 63-byte name: the rename target is cut to fit, at a character boundary.
CREATE TABLE regress_pre."ßßßßßßßßßßßßßßßßßßßßßßßßßßßßßßßx" (id int);
SELECT * FROM selegic_preflight('regress_pre', 'ßßßßßßßßßßßßßßßßßßßßßßßßßßßßßßßx');
SELECT fix FROM selegic_preflight('regress_pre', 'ßßßßßßßßßßßßßßßßßßßßßßßßßßßßßßßx') \gexec
SELECT * FROM selegic_preflight('regress_pre', 'ßßßßßßßßßßßßßßßßßßßßßßßßßßßßßßßx');

-- Hostile names: quoted in every fix, and the fixes run.
CREATE TABLE "Pre ""Flight"""."Order Items" (id int);
CREATE VIEW "Pre ""Flight"""."select" AS SELECT 1 AS one;
SELECT * FROM selegic_preflight('Pre "Flight"', 'Order Items');
SELECT * FROM selegic_preflight('Pre "Flight"', 'select');
SELECT fix FROM selegic_preflight('Pre "Flight"', 'Order Items') \gexec
SELECT fix FROM selegic_preflight('Pre "Flight"', 'select') \gexec
SELECT * FROM selegic_preflight('Pre "Flight"', 'Order Items');
SELECT * FROM selegic_preflight('Pre "Flight"', 'select');
SELECT relname FROM pg_class WHERE relnamespace = '"Pre ""Flight"""'::regnamespace ORDER BY relname COLLATE "C";
SET ROLE regress_pre_api;
SELECT * FROM selegic_preflight('Pre "Flight"', 'Order Items');
DROP TABLE pre_fixes;
RESET ROLE;

DROP SCHEMA regress_pre CASCADE;
DROP SCHEMA "Pre ""Flight""" CASCADE;
DROP SCHEMA "regress_pre new" CASCADE;
DROP SERVER regress_pre_srv;
DROP FOREIGN DATA WRAPPER regress_pre_fdw;
DROP ROLE regress_pre_api;
TRUNCATE selegic.entity CASCADE;
