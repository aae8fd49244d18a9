-- A column renamed by hand is known from the drift log: renamed_column, whose
-- fix renames it back without losing a value; the repair resolves the log row.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
CREATE SCHEMA rn;
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000001', 'orders', 'rn', 'orders');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, is_nullable) VALUES
  ('00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000001', 'amount', 'amount', 'n', 'integer', false),
  ('00000000-0000-0000-0000-000000000012', '00000000-0000-0000-0000-000000000001', 'label', 'Label', 't', 'text', true);
CREATE TABLE rn.orders (id uuid PRIMARY KEY, amount integer NOT NULL, "Label" text);
INSERT INTO rn.orders SELECT gen_random_uuid(), i, 'l' || i FROM generate_series(1, 100) i;

ALTER TABLE rn.orders RENAME COLUMN amount TO total;
ALTER TABLE rn.orders RENAME COLUMN total TO "Grand Total";   -- renamed again
ALTER TABLE rn.orders RENAME COLUMN "Label" TO label;
ALTER TABLE rn.orders ALTER COLUMN "Grand Total" DROP NOT NULL;

SELECT kind, object, expected, actual, fix FROM selegic_drift();
SELECT kind, object FROM selegic_drift('00000000-0000-0000-0000-000000000001');
SELECT * FROM selegic_resync('00000000-0000-0000-0000-000000000011');
SELECT * FROM selegic_resync_all();
SELECT kind, object FROM selegic_drift();
SELECT count(*) AS rows, sum(amount) AS total, count("Label") AS labels FROM rn.orders;
SELECT action, old_name, new_name, resolution FROM selegic.drift_log
WHERE origin = 'manual' ORDER BY occurred_at;

DROP SCHEMA rn CASCADE;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
