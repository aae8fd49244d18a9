-- A small Selegic tenant, first in sync, then broken the ways the Selegic
-- runbook describes, then checked with selegic_drift(), repaired with
-- selegic_resync_all(), and the remaining runbook problems diagnosed and
-- fixed with the runbook helpers.
-- Run by demo/run.sh, from the repository root, as:
--   psql -X -q -v ON_ERROR_STOP=1 -d tenant_demo -f demo/tenant.sql
-- in a fresh database where CREATE EXTENSION selegic_drift has been run.
-- Three statements fail on purpose, to show the errors a DBA meets; psql's
-- ON_ERROR_STOP is switched off around each of them only.
--
-- Ids are fixed so the output is the same on every run:
--   entities  e<n>000000-0000-4000-8000-000000000000
--   fields    f<n>000000-0000-4000-8000-0000000000<k>   (field k of entity n)

\set ON_ERROR_STOP on
\pset null '(null)'
SET client_min_messages = warning;

\echo
\echo '============================================================'
\echo ' Setup: four entities, created in sync, with some data'
\echo '============================================================'
\echo

-- The metadata, as the Selegic API replicates it into the tenant database.
INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES
    ('e1000000-0000-4000-8000-000000000000', 'customers',   'public', 'customers'),
    ('e2000000-0000-4000-8000-000000000000', 'products',    'public', 'products'),
    ('e3000000-0000-4000-8000-000000000000', 'orders',      'public', 'orders'),
    ('e4000000-0000-4000-8000-000000000000', 'order-items', 'public', 'order_items');

INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type,
                           is_nullable, default_expr, is_unique, references_entity, on_delete) VALUES
    -- customers
    ('f1000000-0000-4000-8000-000000000001', 'e1000000-0000-4000-8000-000000000000',
     'email', 'email', 'email', 'text', false, NULL, true, NULL, 'no action'),
    ('f1000000-0000-4000-8000-000000000002', 'e1000000-0000-4000-8000-000000000000',
     'fullName', 'Full Name', 'text', 'varchar(120)', false, NULL, false, NULL, 'no action'),
    ('f1000000-0000-4000-8000-000000000003', 'e1000000-0000-4000-8000-000000000000',
     'creditLimit', 'credit_limit', 'number', 'numeric(12,2)', false, '0', false, NULL, 'no action'),
    ('f1000000-0000-4000-8000-000000000004', 'e1000000-0000-4000-8000-000000000000',
     'createdAt', 'created_at', 'datetime', 'timestamptz', false, 'now()', false, NULL, 'no action'),
    -- products
    ('f2000000-0000-4000-8000-000000000001', 'e2000000-0000-4000-8000-000000000000',
     'sku', 'sku', 'text', 'character varying(32)', false, NULL, true, NULL, 'no action'),
    ('f2000000-0000-4000-8000-000000000002', 'e2000000-0000-4000-8000-000000000000',
     'name', 'name', 'text', 'text', false, NULL, false, NULL, 'no action'),
    ('f2000000-0000-4000-8000-000000000003', 'e2000000-0000-4000-8000-000000000000',
     'price', 'price', 'number', 'numeric(12,2)', false, '0', false, NULL, 'no action'),
    ('f2000000-0000-4000-8000-000000000004', 'e2000000-0000-4000-8000-000000000000',
     'tags', 'tags', 'tags', 'text[]', false, '''{}''', false, NULL, 'no action'),
    ('f2000000-0000-4000-8000-000000000005', 'e2000000-0000-4000-8000-000000000000',
     'active', 'active', 'boolean', 'boolean', false, 'true', false, NULL, 'no action'),
    -- orders
    ('f3000000-0000-4000-8000-000000000001', 'e3000000-0000-4000-8000-000000000000',
     'customer', 'customer_id', 'relation', 'uuid', false, NULL, false,
     'e1000000-0000-4000-8000-000000000000', 'restrict'),
    ('f3000000-0000-4000-8000-000000000002', 'e3000000-0000-4000-8000-000000000000',
     'status', 'status', 'text', 'text', false, '''new''', false, NULL, 'no action'),
    ('f3000000-0000-4000-8000-000000000003', 'e3000000-0000-4000-8000-000000000000',
     'placedAt', 'placed_at', 'datetime', 'timestamp with time zone', false, 'now()', false, NULL, 'no action'),
    ('f3000000-0000-4000-8000-000000000004', 'e3000000-0000-4000-8000-000000000000',
     'note', 'note', 'text', 'text', true, NULL, false, NULL, 'no action'),
    -- order_items
    ('f4000000-0000-4000-8000-000000000001', 'e4000000-0000-4000-8000-000000000000',
     'order', 'order_id', 'relation', 'uuid', false, NULL, false,
     'e3000000-0000-4000-8000-000000000000', 'cascade'),
    ('f4000000-0000-4000-8000-000000000002', 'e4000000-0000-4000-8000-000000000000',
     'product', 'product_id', 'relation', 'uuid', true, NULL, false,
     'e2000000-0000-4000-8000-000000000000', 'set null'),
    ('f4000000-0000-4000-8000-000000000003', 'e4000000-0000-4000-8000-000000000000',
     'quantity', 'quantity', 'number', 'int4', false, '1', false, NULL, 'no action'),
    ('f4000000-0000-4000-8000-000000000004', 'e4000000-0000-4000-8000-000000000000',
     'unitPrice', 'unit_price', 'number', 'numeric(12,2)', false, NULL, false, NULL, 'no action');

-- The DDL the API ran from its lifecycle hooks. Spellings differ from the
-- metadata on purpose (int vs int4, varchar vs character varying, 0 vs
-- '0'::numeric): the comparison is semantic.
CREATE TABLE public.customers (
    id            uuid PRIMARY KEY,
    email         text NOT NULL UNIQUE,
    "Full Name"   varchar(120) NOT NULL,
    credit_limit  numeric(12,2) NOT NULL DEFAULT '0'::numeric,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE public.products (
    id      uuid PRIMARY KEY,
    sku     varchar(32) NOT NULL UNIQUE,
    name    text NOT NULL,
    price   numeric(12,2) NOT NULL DEFAULT 0,
    tags    text[] NOT NULL DEFAULT '{}',
    active  boolean NOT NULL DEFAULT true
);
CREATE TABLE public.orders (
    id           uuid PRIMARY KEY,
    customer_id  uuid NOT NULL REFERENCES public.customers (id) ON DELETE RESTRICT,
    status       text NOT NULL DEFAULT 'new',
    placed_at    timestamptz NOT NULL DEFAULT now(),
    note         text
);
CREATE TABLE public.order_items (
    id          uuid PRIMARY KEY,
    order_id    uuid NOT NULL REFERENCES public.orders (id) ON DELETE CASCADE,
    product_id  uuid REFERENCES public.products (id) ON DELETE SET NULL,
    quantity    int NOT NULL DEFAULT 1,
    unit_price  numeric(12,2) NOT NULL
);

-- Data rows; ids derived from md5 so they are stable too.
INSERT INTO public.customers (id, email, "Full Name", credit_limit, created_at) VALUES
    (md5('customer-1')::uuid, 'ada@example.com',   'Ada Lovelace',  5000, '2024-01-10 09:00+00'),
    (md5('customer-2')::uuid, 'alan@example.com',  'Alan Turing',   2500, '2024-02-11 10:30+00'),
    (md5('customer-3')::uuid, 'grace@example.com', 'Grace Hopper', 10000, '2024-03-12 14:15+00');
INSERT INTO public.products (id, sku, name, price, tags) VALUES
    (md5('product-1')::uuid, 'KB-101', 'Keyboard',  49.90, '{input}'),
    (md5('product-2')::uuid, 'MS-202', 'Mouse',     19.50, '{input}'),
    (md5('product-3')::uuid, 'MN-303', 'Monitor',  229.00, '{display}'),
    (md5('product-4')::uuid, 'CB-404', 'USB cable',  4.99, '{}');
INSERT INTO public.orders (id, customer_id, status, placed_at, note) VALUES
    (md5('order-1')::uuid, md5('customer-1')::uuid, 'shipped', '2024-04-01 08:00+00', 'leave at the door'),
    (md5('order-2')::uuid, md5('customer-2')::uuid, 'paid',    '2024-04-02 12:00+00', NULL),
    (md5('order-3')::uuid, md5('customer-3')::uuid, 'new',     '2024-04-03 16:00+00', NULL),
    (md5('order-4')::uuid, md5('customer-1')::uuid, 'new',     '2024-04-04 18:00+00', 'gift');
INSERT INTO public.order_items (id, order_id, product_id, quantity, unit_price) VALUES
    (md5('item-1')::uuid, md5('order-1')::uuid, md5('product-1')::uuid, 1,  49.90),
    (md5('item-2')::uuid, md5('order-1')::uuid, md5('product-2')::uuid, 1,  19.50),
    (md5('item-3')::uuid, md5('order-2')::uuid, md5('product-3')::uuid, 2, 229.00),
    (md5('item-4')::uuid, md5('order-3')::uuid, md5('product-4')::uuid, 5,   4.99),
    (md5('item-5')::uuid, md5('order-4')::uuid, md5('product-1')::uuid, 1,  49.90),
    (md5('item-6')::uuid, md5('order-4')::uuid, md5('product-4')::uuid, 3,   4.99);

\echo 'Metadata says: 4 entities, 17 fields. Tables created, data loaded.'
\echo 'SELECT count(*) FROM selegic_drift();   -- in sync: no rows'
SELECT count(*) AS drift_rows FROM selegic_drift();

\echo
\echo '============================================================'
\echo ' Runbook 1: DDL failed during entity creation'
\echo '============================================================'
\echo 'An old billing module left a table legacy_invoices and a view "invoices"'
\echo 'over it. Selegic then created the entity "invoices": the metadata row was'
\echo 'saved, but CREATE TABLE public.invoices failed (relation already exists).'
\echo 'The entity "shipments" lives in schema logistics; its CREATE SCHEMA failed'
\echo 'because the tenant role lacked CREATE on the database, so neither exists.'
\echo

CREATE TABLE public.legacy_invoices (
    id      serial PRIMARY KEY,
    number  text,
    amount  numeric(12,2)
);
INSERT INTO public.legacy_invoices (number, amount) VALUES ('INV-0001', 69.40), ('INV-0002', 458.00);
CREATE VIEW public.invoices AS SELECT number, amount FROM public.legacy_invoices;

INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES
    ('e5000000-0000-4000-8000-000000000000', 'invoices',  'public',    'invoices'),
    ('e6000000-0000-4000-8000-000000000000', 'shipments', 'logistics', 'shipments');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type,
                           is_nullable, default_expr, is_unique, references_entity, on_delete) VALUES
    ('f5000000-0000-4000-8000-000000000001', 'e5000000-0000-4000-8000-000000000000',
     'number', 'number', 'text', 'text', false, NULL, true, NULL, 'no action'),
    ('f5000000-0000-4000-8000-000000000002', 'e5000000-0000-4000-8000-000000000000',
     'order', 'order_id', 'relation', 'uuid', false, NULL, false,
     'e3000000-0000-4000-8000-000000000000', 'restrict'),
    ('f6000000-0000-4000-8000-000000000001', 'e6000000-0000-4000-8000-000000000000',
     'order', 'order_id', 'relation', 'uuid', false, NULL, false,
     'e3000000-0000-4000-8000-000000000000', 'cascade'),
    ('f6000000-0000-4000-8000-000000000002', 'e6000000-0000-4000-8000-000000000000',
     'carrier', 'carrier', 'text', 'text', false, '''dhl''', false, NULL, 'no action'),
    ('f6000000-0000-4000-8000-000000000003', 'e6000000-0000-4000-8000-000000000000',
     'trackingCode', 'tracking_code', 'text', 'varchar(40)', true, NULL, true, NULL, 'no action');

\echo
\echo '============================================================'
\echo ' Runbook 2: column missing after field creation'
\echo '============================================================'
\echo 'Two fields were saved, but the server crashed in the after:create hook'
\echo 'before ALTER TABLE ... ADD COLUMN ran: customers."Loyalty Tier" and the'
\echo 'relation field orders.referred_by.'
\echo

INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type,
                           is_nullable, default_expr, is_unique, references_entity, on_delete) VALUES
    ('f1000000-0000-4000-8000-000000000005', 'e1000000-0000-4000-8000-000000000000',
     'loyaltyTier', 'Loyalty Tier', 'text', 'text', false, '''bronze''', false, NULL, 'no action'),
    ('f3000000-0000-4000-8000-000000000005', 'e3000000-0000-4000-8000-000000000000',
     'referredBy', 'referred_by', 'relation', 'uuid', true, NULL, false,
     'e1000000-0000-4000-8000-000000000000', 'set null');

\echo 'Runbook 3 (cannot drop column) and 5 (permissions) come after the repair,'
\echo 'with the runbook helpers.'

\echo
\echo '============================================================'
\echo ' Runbook 4: schema drift, a DBA changed the database in psql'
\echo '============================================================'
\echo 'Among other things, the DBA dropped NOT NULL on customers.email to let a'
\echo 'CRM import through, and the import brought a customer without an e-mail.'
\echo

\set ECHO queries
ALTER TABLE public.products ALTER COLUMN price TYPE numeric(14,2);
ALTER TABLE public.order_items ALTER COLUMN quantity TYPE bigint;
ALTER TABLE public.customers ALTER COLUMN email DROP NOT NULL;
INSERT INTO public.customers (id, email, "Full Name", created_at)
VALUES (md5('customer-4')::uuid, NULL, 'Edsger Dijkstra', '2024-05-13 11:00+00');
UPDATE public.orders SET note = '' WHERE note IS NULL;
ALTER TABLE public.orders ALTER COLUMN note SET NOT NULL;
ALTER TABLE public.orders ALTER COLUMN status SET DEFAULT 'pending';
ALTER TABLE public.products ALTER COLUMN active DROP DEFAULT;
ALTER TABLE public.customers DROP CONSTRAINT customers_email_key;
CREATE UNIQUE INDEX products_name_uidx ON public.products (name);
ALTER TABLE public.order_items DROP CONSTRAINT order_items_order_id_fkey,
    ADD FOREIGN KEY (order_id) REFERENCES public.orders (id);
ALTER TABLE public.orders DROP CONSTRAINT orders_customer_id_fkey;
ALTER TABLE public.order_items DROP CONSTRAINT order_items_pkey;
ALTER TABLE public.customers ADD COLUMN legacy_crm_id integer;
UPDATE public.customers SET legacy_crm_id = 7001 WHERE email = 'ada@example.com';
ALTER TABLE public.orders ADD COLUMN "Internal Flag" boolean DEFAULT false;
\unset ECHO

\echo
\echo 'And one piece of bad metadata: a field whose type does not exist in this'
\echo 'database (the domain "percentage" was never created here).'
\echo

INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type,
                           is_nullable, default_expr, is_unique, references_entity, on_delete) VALUES
    ('f2000000-0000-4000-8000-000000000006', 'e2000000-0000-4000-8000-000000000000',
     'discount', 'discount', 'number', 'percentage', true, NULL, false, NULL, 'no action');

\echo '============================================================'
\echo ' The drift report'
\echo '============================================================'
\echo

SELECT kind, object, expected, actual FROM selegic_drift();

\echo 'One entity only: selegic_drift(''e3000000-0000-4000-8000-000000000000'')  -- orders'
SELECT kind, object, expected, actual
FROM selegic_drift('e3000000-0000-4000-8000-000000000000');

\echo '============================================================'
\echo ' Repair, step 1: the dry run'
\echo '============================================================'
\echo 'The statements a repair would run: each row''s fix, in phase order'
\echo '(schemas, tables, columns, column changes, keys, foreign keys last).'
\echo 'Rows that need a human (fix NULL) are left out. Nothing is changed.'
\echo

\echo 'Rows before:'
SELECT (SELECT count(*) FROM public.customers)   AS customers,
       (SELECT count(*) FROM public.products)    AS products,
       (SELECT count(*) FROM public.orders)      AS orders,
       (SELECT count(*) FROM public.order_items) AS order_items;

\set ECHO queries
SELECT * FROM selegic_resync_all(dry_run => true);
\unset ECHO

\echo 'The "-- would fail" line: the customer imported without an e-mail blocks'
\echo 'SET NOT NULL on customers.email.'
\echo
\echo '============================================================'
\echo ' Step 2: run anyway, and read the error'
\echo '============================================================'
\echo

\set ECHO queries
\set ON_ERROR_STOP off
SELECT * FROM selegic_resync_all();
\set ON_ERROR_STOP on
\unset ECHO
\echo 'SQLSTATE' :LAST_ERROR_SQLSTATE '(not_null_violation, PostgreSQL''s own code)'
\echo
\echo 'All or nothing: the statements before the failing one were rolled back'
\echo 'too, the drift report has as many rows as before, and "Loyalty Tier" is'
\echo 'still missing:'
SELECT count(*) AS drift_rows,
       count(*) FILTER (WHERE kind = 'missing_column') AS missing_columns
FROM selegic_drift();

\echo '============================================================'
\echo ' Step 3: fix the data, then Synchronize All'
\echo '============================================================'
\echo

\set ECHO queries
UPDATE public.customers SET email = 'edsger@example.com' WHERE id = md5('customer-4')::uuid;
SELECT * FROM selegic_resync_all();
\unset ECHO

\echo
\echo 'Rows after (nothing lost):'
SELECT (SELECT count(*) FROM public.customers)   AS customers,
       (SELECT count(*) FROM public.products)    AS products,
       (SELECT count(*) FROM public.orders)      AS orders,
       (SELECT count(*) FROM public.order_items) AS order_items;

\echo 'The new column got its default; the hand-made extra column kept its data:'
SELECT "Full Name", "Loyalty Tier", legacy_crm_id FROM public.customers ORDER BY email;

\echo 'The drift report after the repair: only what needs a human.'
SELECT kind, object, expected, actual, fix IS NULL AS needs_human FROM selegic_drift();

\echo 'A second call has nothing left to do:'
\set ECHO queries
SELECT * FROM selegic_resync_all();
\unset ECHO

\echo
\echo 'extra_column and unmanaged_table are never dropped automatically, and the'
\echo 'invalid field needs its metadata corrected. The missing table is runbook'
\echo 'problem 1: see below.'
\echo
\echo '============================================================'
\echo ' Runbook 1, diagnosed: why did CREATE TABLE public.invoices fail?'
\echo '============================================================'
\echo 'The Selegic API connects as the role tenant_api. selegic_preflight()'
\echo 'checks for the current role, so ask as that role:'
\echo

\set ECHO queries
CREATE ROLE tenant_api;   -- in a real tenant it exists already
SET ROLE tenant_api;
SELECT * FROM selegic_preflight('public', 'invoices');
RESET ROLE;
\unset ECHO

\echo
\echo 'Both causes at once: the legacy view holds the name, and tenant_api may'
\echo 'not create tables in public (runbook 5, below). The view''s fix renames it;'
\echo 'nothing is dropped. Then the entity''s table can be created:'
\echo

\set ECHO queries
ALTER VIEW public.invoices RENAME TO invoices_stale;
SELECT * FROM selegic_preflight('public', 'invoices');
SELECT * FROM selegic_resync_entity('e5000000-0000-4000-8000-000000000000');
\unset ECHO

\echo
\echo '============================================================'
\echo ' Runbook 3: "Cannot drop column"'
\echo '============================================================'
\echo 'The reporting team built a view on order_items.product_id and indexed'
\echo 'the column. Now a user deletes the field "product" (dropColumn: true):'
\echo

\set ECHO queries
CREATE VIEW public.product_sales AS
    SELECT product_id, sum(quantity) AS units FROM public.order_items GROUP BY product_id;
CREATE INDEX order_items_product_id_idx ON public.order_items (product_id);
\set ON_ERROR_STOP off
ALTER TABLE public.order_items DROP COLUMN product_id;
\set ON_ERROR_STOP on
SELECT kind, object, fix FROM selegic_drop_blockers('f4000000-0000-4000-8000-000000000002');
\unset ECHO

\echo
\echo 'The view blocks; the foreign key and the index would go silently with the'
\echo 'column. The definition column holds the statement that recreates each.'
\echo 'The fixes run top to bottom, then the column drops without CASCADE, and'
\echo 'the field''s metadata row goes with it:'
\echo

\set ECHO queries
BEGIN;
SELECT fix FROM selegic_drop_blockers('f4000000-0000-4000-8000-000000000002') \gexec
ALTER TABLE public.order_items DROP COLUMN product_id;
DELETE FROM selegic.field WHERE id = 'f4000000-0000-4000-8000-000000000002';
COMMIT;
\unset ECHO

\echo
\echo '============================================================'
\echo ' Runbook 5: permissions of the tenant role'
\echo '============================================================'
\echo 'The tables were created by a superuser; tenant_api owns nothing yet.'
\echo

\set ECHO queries
SELECT * FROM selegic_check_privileges('tenant_api');
SELECT fix FROM selegic_check_privileges('tenant_api') WHERE fix IS NOT NULL \gexec
SELECT bool_and(granted) AS all_granted, count(*) AS checks
FROM selegic_check_privileges('tenant_api');
\unset ECHO

\echo
\echo 'EXECUTE on the repair functions is revoked from PUBLIC: grant it, and the'
\echo 'tenant role can repair its own tables. A DBA drops a default once more:'
\echo

\set ECHO queries
GRANT EXECUTE ON FUNCTION selegic_resync_all(boolean) TO tenant_api;
ALTER TABLE public.orders ALTER COLUMN status DROP DEFAULT;
SET ROLE tenant_api;
SELECT * FROM selegic_resync_all();
RESET ROLE;
\unset ECHO

\echo
\echo '============================================================'
\echo ' Final state: only what needs a human'
\echo '============================================================'
\echo

SELECT kind, object, expected, actual, fix IS NULL AS needs_human FROM selegic_drift();
SELECT (SELECT count(*) FROM public.customers)   AS customers,
       (SELECT count(*) FROM public.products)    AS products,
       (SELECT count(*) FROM public.orders)      AS orders,
       (SELECT count(*) FROM public.order_items) AS order_items,
       (SELECT count(*) FROM public.invoices)    AS invoices;
