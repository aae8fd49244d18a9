-- The capture parses the log's CHECK expressions and defaults once per
-- backend; a DBA's later change to any of them applies to the very next
-- capture of the same session. Log ids stay version 4 UUIDs, all distinct.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS amcheck;
RESET client_min_messages;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
CREATE SCHEMA ld;
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000001', 't', 'ld', 't');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type) VALUES
  ('00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000001', 'a', 'a', 'n', 'integer');
CREATE TABLE ld.t (id uuid PRIMARY KEY, a integer);
CREATE DOMAIN ld.tag AS text DEFAULT 'domain-1';
ALTER TABLE selegic.drift_log ADD COLUMN ticket text DEFAULT 'T-1', ADD COLUMN tag ld.tag;

ALTER TABLE ld.t ALTER COLUMN a SET DEFAULT 1;
-- A column's default and a domain's default change between two captures.
ALTER TABLE selegic.drift_log ALTER COLUMN ticket SET DEFAULT 'T-2';
ALTER DOMAIN ld.tag SET DEFAULT 'domain-2';
ALTER TABLE ld.t ALTER COLUMN a SET DEFAULT 2;
SELECT ticket, tag, query FROM selegic.drift_log ORDER BY occurred_at, command_tag DESC;
-- A column dropped and others added: an identity and a generated one.
ALTER TABLE selegic.drift_log DROP COLUMN tag,
  ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY,
  ADD COLUMN tag_upper text GENERATED ALWAYS AS (upper(command_tag)) STORED;
ALTER TABLE ld.t ALTER COLUMN a SET DEFAULT 3;
SELECT ticket, n, tag_upper, query FROM selegic.drift_log ORDER BY n;

-- A CHECK added after the first capture refuses the next row; once dropped,
-- the row goes in.
ALTER TABLE selegic.drift_log ADD CONSTRAINT no_t3 CHECK (ticket <> 'T-3');
ALTER TABLE selegic.drift_log ALTER COLUMN ticket SET DEFAULT 'T-3';
ALTER TABLE ld.t ALTER COLUMN a SET DEFAULT 4;
SELECT count(*) AS rows_after_refusal FROM selegic.drift_log;
ALTER TABLE selegic.drift_log DROP CONSTRAINT no_t3;
ALTER TABLE ld.t ALTER COLUMN a SET DEFAULT 5;
SELECT ticket, n, query FROM selegic.drift_log ORDER BY n;

-- Ids: many rows, all distinct, version 4, RFC 4122 variant.
ALTER TABLE selegic.drift_log DROP COLUMN ticket, DROP COLUMN n, DROP COLUMN tag_upper;
DROP DOMAIN ld.tag;
DO $$
BEGIN
  FOR i IN 1..300 LOOP
    EXECUTE format('ALTER TABLE ld.t ALTER COLUMN a SET DEFAULT %s', i);
  END LOOP;
END $$;
SELECT count(*) AS log_rows, count(DISTINCT id) AS distinct_ids,
       count(*) FILTER (WHERE substr(id::text, 15, 1) = '4'
                          AND substr(id::text, 20, 1) IN ('8', '9', 'a', 'b')) AS version_4
FROM selegic.drift_log;
SELECT c.relname, bt_index_check(c.oid, true)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'selegic.drift_log'::regclass ORDER BY c.relname;

DROP SCHEMA ld CASCADE;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
