-- selegic_check_privileges(): what the tenant role needs on managed objects
-- (USAGE and CREATE on schemas, ownership of tables, REFERENCES on tables
-- that relation fields point at), with the GRANT or ALTER that gives it.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
CREATE ROLE regress_priv_api;
CREATE ROLE regress_priv_owner;
CREATE ROLE "regress priv ""Other""";
CREATE SCHEMA regress_priv;
CREATE SCHEMA "Regress Priv";

CREATE FUNCTION pg_temp.id(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;

INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES
  (pg_temp.id(1), 'customers', 'regress_priv', 'customers'),
  (pg_temp.id(2), 'orders', 'regress_priv', 'orders'),
  (pg_temp.id(3), 'items', 'Regress Priv', 'Line Items'),
  (pg_temp.id(4), 'later', 'regress_priv', 'not yet created'),     -- no table: no row
  (pg_temp.id(5), 'elsewhere', 'regress_priv_missing', 'things'),  -- no schema: no row
  (pg_temp.id(6), 'view', 'regress_priv', 'a view');               -- not a table: no row
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, references_entity) VALUES
  (pg_temp.id(201), pg_temp.id(2), 'customer', 'customer_id', 'relation', 'uuid', pg_temp.id(1)),
  (pg_temp.id(202), pg_temp.id(2), 'also', 'also_customer_id', 'relation', 'uuid', pg_temp.id(1)),
  (pg_temp.id(301), pg_temp.id(3), 'order', 'Order', 'relation', 'uuid', pg_temp.id(2)),
  (pg_temp.id(302), pg_temp.id(3), 'later', 'later_id', 'relation', 'uuid', pg_temp.id(4));

CREATE TABLE regress_priv.customers (id uuid PRIMARY KEY);
CREATE TABLE regress_priv.orders (id uuid PRIMARY KEY, customer_id uuid, also_customer_id uuid);
ALTER TABLE regress_priv.orders OWNER TO regress_priv_owner;
CREATE TABLE "Regress Priv"."Line Items" (id uuid PRIMARY KEY, "Order" uuid, later_id uuid);
ALTER TABLE "Regress Priv"."Line Items" OWNER TO regress_priv_api;
CREATE VIEW regress_priv."a view" AS SELECT 1 AS one;

-- The role owns one table and has nothing else.
SELECT * FROM selegic_check_privileges('regress_priv_api');

-- A column-level REFERENCES grant on the key counts; so does being a member
-- of the owning role.
GRANT REFERENCES (id) ON regress_priv.customers TO regress_priv_api;
GRANT regress_priv_owner TO regress_priv_api;
SELECT object, privilege, granted FROM selegic_check_privileges('regress_priv_api')
WHERE object IN ('regress_priv.customers', 'regress_priv.orders');

-- The fixes, run by a superuser, grant the rest.
SELECT fix FROM selegic_check_privileges('regress_priv_api') WHERE fix IS NOT NULL \gexec
SELECT * FROM selegic_check_privileges('regress_priv_api');

-- The default is the current role.
SET ROLE regress_priv_api;
SELECT * FROM selegic_check_privileges();
RESET ROLE;

-- A hostile role name is quoted in the fixes, and they run.
SELECT * FROM selegic_check_privileges('regress priv "Other"');
SELECT fix FROM selegic_check_privileges('regress priv "Other"') WHERE fix IS NOT NULL \gexec
SELECT object, privilege, granted FROM selegic_check_privileges('regress priv "Other"');
SELECT c.relname, c.relowner::regrole FROM pg_class c
WHERE c.relnamespace IN ('regress_priv'::regnamespace, '"Regress Priv"'::regnamespace) AND c.relkind = 'r'
ORDER BY c.relname COLLATE "C";

-- A superuser has everything.
SELECT bool_and(granted) AS all_granted, count(*) AS checks FROM selegic_check_privileges();

-- Unknown role, NULL role.
SELECT * FROM selegic_check_privileges('regress_priv_nobody');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM selegic_check_privileges(NULL);

DROP SCHEMA regress_priv CASCADE;
DROP SCHEMA "Regress Priv" CASCADE;
DROP ROLE regress_priv_api;
DROP ROLE regress_priv_owner;
DROP ROLE "regress priv ""Other""";
TRUNCATE selegic.entity CASCADE;
