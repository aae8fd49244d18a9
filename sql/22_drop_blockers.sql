-- selegic_drop_blockers(): everything that stops ALTER TABLE ... DROP COLUMN
-- without CASCADE, and everything that would go silently with the column.
-- The fixes run top to bottom, then the column drops without CASCADE; the
-- definitions recreate what the fixes dropped.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
CREATE SCHEMA "Drop ""Zone""";
SET search_path = "Drop ""Zone""", public;

CREATE FUNCTION pg_temp.id(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;

INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES
  (pg_temp.id(1), 'items', 'Drop "Zone"', 'Order Items'),
  (pg_temp.id(2), 'missing', 'Drop "Zone"', 'no such table'),
  (pg_temp.id(3), 'parts', 'Drop "Zone"', 'parts');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type) VALUES
  (pg_temp.id(101), pg_temp.id(1), 'amount', 'Amount', 'number', 'numeric'),
  (pg_temp.id(102), pg_temp.id(1), 'note', 'note', 'text', 'text'),
  (pg_temp.id(103), pg_temp.id(1), 'ticket', 'ticket', 'number', 'integer'),
  (pg_temp.id(104), pg_temp.id(1), 'gone', 'gone', 'text', 'text'),
  (pg_temp.id(201), pg_temp.id(2), 'x', 'x', 'text', 'text'),
  (pg_temp.id(301), pg_temp.id(3), 'region', 'region', 'text', 'text'),
  (pg_temp.id(302), pg_temp.id(3), 'sku', 'sku', 'text', 'text');

CREATE TABLE "Order Items" (
    id       uuid PRIMARY KEY,
    "Amount" numeric UNIQUE CONSTRAINT "Amount >= 0" CHECK ("Amount" >= 0),
    qty      int,
    total    numeric GENERATED ALWAYS AS ("Amount" * qty) STORED,
    note     text,
    ticket   serial
);
-- Silently dropped with the column: indexes, constraints, statistics.
CREATE INDEX "big amounts" ON "Order Items" ("Amount") WHERE qty > 10;
CREATE INDEX on_total ON "Order Items" (total);
CREATE STATISTICS "amount and qty" ON "Amount", qty FROM "Order Items";
-- Blocking: a foreign key from another table (to the unique constraint),
-- views (one on another), a materialized view through the generated
-- column, a policy, a trigger on the column.
CREATE TABLE refunds (amount numeric REFERENCES "Order Items" ("Amount"));
CREATE VIEW "Big Orders" WITH (security_barrier) AS
    SELECT id, "Amount" FROM "Order Items" WHERE "Amount" > 100;
CREATE VIEW big_order_ids AS SELECT id FROM "Big Orders";
CREATE MATERIALIZED VIEW totals AS SELECT sum(total) AS total FROM "Order Items";
ALTER TABLE "Order Items" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "no negatives" ON "Order Items" AS RESTRICTIVE FOR UPDATE TO PUBLIC
    USING ("Amount" >= 0) WITH CHECK ("Amount" >= 0);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER "on amount" BEFORE UPDATE OF "Amount" ON "Order Items"
    FOR EACH ROW EXECUTE FUNCTION touch();
RESET search_path;

SELECT kind, object, fix FROM selegic_drop_blockers(pg_temp.id(101));
SELECT kind, definition FROM selegic_drop_blockers(pg_temp.id(101));

-- The definitions recreate what the fixes drop: run the fixes top to
-- bottom, the definitions bottom to top, and the list is the same.
CREATE TEMP TABLE before AS
SELECT * FROM selegic_drop_blockers(pg_temp.id(101)) WITH ORDINALITY AS b(kind, object, definition, fix, ord);
BEGIN;
SELECT fix FROM before ORDER BY ord \gexec
SELECT count(*) AS left_after_fixes FROM selegic_drop_blockers(pg_temp.id(101));
SELECT definition FROM before ORDER BY ord DESC \gexec
SELECT kind, object FROM selegic_drop_blockers(pg_temp.id(101))
EXCEPT SELECT kind, object FROM before;
SELECT count(*) AS recreated FROM selegic_drop_blockers(pg_temp.id(101)) b
JOIN before USING (kind, object, definition, fix);
ROLLBACK;

-- For real: the fixes run, DROP COLUMN needs no CASCADE, nothing is left.
SELECT fix FROM selegic_drop_blockers(pg_temp.id(101)) \gexec
SELECT * FROM selegic_drop_blockers(pg_temp.id(101));
ALTER TABLE "Drop ""Zone"""."Order Items" DROP COLUMN "Amount";
SELECT attname FROM pg_attribute
WHERE attrelid = '"Drop ""Zone"""."Order Items"'::regclass AND attnum > 0 AND NOT attisdropped
ORDER BY attnum;

-- A column nothing depends on: no rows, and it drops.
SELECT * FROM selegic_drop_blockers(pg_temp.id(102));
ALTER TABLE "Drop ""Zone"""."Order Items" DROP COLUMN note;

-- A serial column: its own default goes with it and is not listed; its
-- sequence would be dropped too, so the fix detaches it and keeps it.
SELECT * FROM selegic_drop_blockers(pg_temp.id(103));
SELECT fix FROM selegic_drop_blockers(pg_temp.id(103)) \gexec
ALTER TABLE "Drop ""Zone"""."Order Items" DROP COLUMN ticket;
SELECT relname FROM pg_class WHERE relname = 'Order Items_ticket_seq';

-- Partitioned tables: partition clones (child indexes) are not listed;
-- a view on a partition blocks; a partition key no fix can remove comes
-- first, with no fix.
CREATE TABLE "Drop ""Zone""".parts (id uuid, region text, sku text) PARTITION BY LIST (region);
CREATE TABLE "Drop ""Zone""".parts_eu PARTITION OF "Drop ""Zone""".parts
    FOR VALUES IN ('eu') PARTITION BY HASH (sku);
CREATE TABLE "Drop ""Zone""".parts_eu_0 PARTITION OF "Drop ""Zone""".parts_eu
    FOR VALUES WITH (MODULUS 1, REMAINDER 0);
CREATE INDEX parts_sku ON "Drop ""Zone""".parts (sku);
CREATE VIEW "Drop ""Zone""".eu_skus AS SELECT sku FROM "Drop ""Zone""".parts_eu_0;
SELECT * FROM selegic_drop_blockers(pg_temp.id(301));
SELECT * FROM selegic_drop_blockers(pg_temp.id(302));
SELECT fix FROM selegic_drop_blockers(pg_temp.id(302)) \gexec
ALTER TABLE "Drop ""Zone""".parts DROP COLUMN sku;
ALTER TABLE "Drop ""Zone""".parts_eu DETACH PARTITION "Drop ""Zone""".parts_eu_0;
ALTER TABLE "Drop ""Zone""".parts DETACH PARTITION "Drop ""Zone""".parts_eu;
SELECT * FROM selegic_drop_blockers(pg_temp.id(302));
ALTER TABLE "Drop ""Zone""".parts DROP COLUMN sku;

-- Errors and NULL.
SELECT * FROM selegic_drop_blockers(NULL);
SELECT * FROM selegic_drop_blockers(pg_temp.id(999));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM selegic_drop_blockers(pg_temp.id(104));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM selegic_drop_blockers(pg_temp.id(201));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT * FROM selegic_drop_blockers(pg_temp.id(999));
\set VERBOSITY terse

DROP SCHEMA "Drop ""Zone""" CASCADE;
TRUNCATE selegic.entity CASCADE;
