-- selegic_acknowledge() refuses the rename of a field's column while the
-- field still has the old name: the unresolved rename row is what makes it a
-- renamed_column; acknowledged, the field would become missing_column and the
-- column extra_column, and a repair would add a new, empty column.
\set VERBOSITY terse
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
CREATE SCHEMA ak;
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000001', 'orders', 'ak', 'orders');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type) VALUES
  ('00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000001', 'amount', 'amount', 'n', 'integer'),
  ('00000000-0000-0000-0000-000000000012', '00000000-0000-0000-0000-000000000001', 'note', 'note', 't', 'text');
CREATE TABLE ak.orders (id uuid PRIMARY KEY, amount integer, note text, scratch int);
INSERT INTO ak.orders VALUES ('00000000-0000-0000-0000-0000000000a1', 7, 'n', 1);
TRUNCATE selegic.drift_log;

ALTER TABLE ak.orders RENAME COLUMN amount TO total;
ALTER TABLE ak.orders RENAME COLUMN total TO "Grand Total";
ALTER TABLE ak.orders RENAME COLUMN scratch TO spare;   -- a column no field describes
-- Ids that read the same in every run.
UPDATE selegic.drift_log SET id = CASE new_name WHEN 'total' THEN '10000000-0000-0000-0000-000000000001'::uuid
                                                 WHEN 'Grand Total' THEN '10000000-0000-0000-0000-000000000002'::uuid
                                                 ELSE '10000000-0000-0000-0000-000000000003'::uuid END;
SELECT kind, object, expected, actual FROM selegic_drift();

-- Either rename of the field's column is refused (55000), with what to do.
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT selegic_acknowledge(id, 'meant it') FROM selegic.drift_log
WHERE action = 'rename column' AND new_name = 'total';
\echo :SQLSTATE
SELECT selegic_acknowledge(id, 'meant it') FROM selegic.drift_log
WHERE action = 'rename column' AND new_name = 'Grand Total';
\echo :SQLSTATE
\set VERBOSITY terse
SELECT count(*) AS unresolved FROM selegic.drift_log WHERE resolved_at IS NULL;
-- A column no field describes is nobody's rename: acknowledged as before.
SELECT selegic_acknowledge(id, 'scratch column, fine') FROM selegic.drift_log
WHERE action = 'rename column' AND new_name = 'spare';

-- Once the metadata has the new name, the rename is no longer drift, and
-- acknowledging it is what closes it.
UPDATE selegic.field SET column_name = 'Grand Total' WHERE id = '00000000-0000-0000-0000-000000000011';
SELECT kind, object FROM selegic_drift();
SELECT count(selegic_acknowledge(id, 'the API renamed the field')) AS acknowledged FROM selegic.drift_log
WHERE action = 'rename column' AND resolved_at IS NULL;
SELECT kind, object FROM selegic_drift();

-- Or the repair renames it back and resolves the rows itself.
ALTER TABLE ak.orders RENAME COLUMN note TO remark;
UPDATE selegic.drift_log SET id = '10000000-0000-0000-0000-000000000004' WHERE new_name = 'remark';
SELECT kind, object FROM selegic_drift();
SELECT selegic_acknowledge(id, 'meant it') FROM selegic.drift_log
WHERE action = 'rename column' AND new_name = 'remark';
SELECT * FROM selegic_resync('00000000-0000-0000-0000-000000000012');
SELECT new_name, resolution FROM selegic.drift_log WHERE action = 'rename column' ORDER BY occurred_at;
SELECT "Grand Total", note FROM ak.orders;

DROP SCHEMA ak CASCADE;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
