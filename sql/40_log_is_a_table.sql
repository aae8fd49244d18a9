-- The drift log is an ordinary table: every index a DBA adds to it
-- (expression, partial, unique), its CHECK constraints, defaults and triggers
-- work as on any table, and nothing the capture writes leaves an index that
-- disagrees with its heap (amcheck's bt_index_check with heapallindexed).
\set VERBOSITY terse
CREATE EXTENSION IF NOT EXISTS amcheck;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
CREATE SCHEMA lt;
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000001', 't', 'lt', 't');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type) VALUES
  ('00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000001', 'a', 'a', 'n', 'integer');
CREATE TABLE lt.t (id uuid PRIMARY KEY, a integer);

-- A DBA's indexes of every kind (the expression index crashed the server
-- when the log was written like a catalog).
CREATE INDEX log_lower_tag ON selegic.drift_log (lower(command_tag));
CREATE INDEX log_api_only ON selegic.drift_log (occurred_at) WHERE origin = 'api';
CREATE INDEX log_brin ON selegic.drift_log USING brin (occurred_at);
CREATE INDEX log_hash ON selegic.drift_log USING hash (action);
-- A DBA's column with a default, and a trigger that fills and audits.
ALTER TABLE selegic.drift_log ADD COLUMN ticket text DEFAULT 'TICKET-' || 'NEW';
CREATE TABLE lt.audit (log_id uuid, tag text, ticket text);
CREATE FUNCTION lt.audit_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_WHEN = 'BEFORE' THEN
    NEW.application_name := 'seen by trigger';
    RETURN NEW;
  END IF;
  INSERT INTO lt.audit VALUES (NEW.id, NEW.command_tag, NEW.ticket);
  RETURN NULL;
END $$;
CREATE TRIGGER log_before BEFORE INSERT ON selegic.drift_log FOR EACH ROW EXECUTE FUNCTION lt.audit_log();
CREATE TRIGGER log_after AFTER INSERT ON selegic.drift_log FOR EACH ROW EXECUTE FUNCTION lt.audit_log();
CREATE TABLE lt.statements (n int);
CREATE FUNCTION lt.count_statements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO lt.statements VALUES (1); RETURN NULL; END $$;
CREATE TRIGGER log_statement AFTER INSERT ON selegic.drift_log FOR EACH STATEMENT EXECUTE FUNCTION lt.count_statements();
TRUNCATE selegic.drift_log;

ALTER TABLE lt.t ALTER COLUMN a SET DEFAULT 3;
ALTER TABLE lt.t ADD COLUMN b int, ALTER COLUMN a TYPE bigint;
SELECT action, application_name, ticket FROM selegic.drift_log ORDER BY action;
SELECT tag, ticket, count(*) FROM lt.audit GROUP BY tag, ticket;
SELECT count(*) AS statement_triggers FROM lt.statements;

-- The partial index holds api rows only: an index scan agrees with the heap.
SET enable_seqscan = off;
SELECT count(*) AS api_rows_by_index FROM selegic.drift_log WHERE origin = 'api' AND occurred_at > '2000-01-01';
SELECT count(*) AS by_expression FROM selegic.drift_log WHERE lower(command_tag) = 'alter table';
RESET enable_seqscan;
SELECT count(*) AS api_rows_by_heap FROM selegic.drift_log WHERE origin = 'api';

-- A DBA's unique index refuses the second row of a kind: the capture fails,
-- says so once, the DDL goes on, and no partial row is left.
CREATE UNIQUE INDEX log_one_per_action ON selegic.drift_log (action) WHERE resolved_at IS NULL;
ALTER TABLE lt.t ALTER COLUMN a SET DEFAULT 4;
SELECT pg_get_expr(adbin, adrelid) AS default_now FROM pg_attrdef WHERE adrelid = 'lt.t'::regclass;
SELECT count(*) FILTER (WHERE action = 'set default') AS set_default_rows FROM selegic.drift_log;
-- A CHECK constraint a DBA adds is checked the same way.
DROP INDEX selegic.log_one_per_action;
ALTER TABLE selegic.drift_log ADD CONSTRAINT no_drops CHECK (action IS DISTINCT FROM 'drop column');
ALTER TABLE lt.t DROP COLUMN b;
SELECT count(*) FILTER (WHERE action = 'drop column') AS drop_rows FROM selegic.drift_log;
-- When the capture cannot even read the metadata (a column of selegic.field
-- renamed), log warns and lets the DDL through, and block fails closed.
ALTER TABLE selegic.field RENAME COLUMN sql_type TO sql_type_renamed;
ALTER TABLE lt.t ADD COLUMN c int;
SET selegic.manual_ddl = block;
ALTER TABLE lt.t ADD COLUMN d int;
RESET selegic.manual_ddl;
ALTER TABLE selegic.field RENAME COLUMN sql_type_renamed TO sql_type;
SELECT attname FROM pg_attribute WHERE attrelid = 'lt.t'::regclass AND attname IN ('c', 'd');
CREATE UNIQUE INDEX log_one_per_action ON selegic.drift_log (action) WHERE resolved_at IS NULL;

-- Every index of the log agrees with its heap.
SELECT c.relname, bt_index_check(c.oid, true)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
WHERE i.indrelid = 'selegic.drift_log'::regclass AND am.amname = 'btree'
ORDER BY c.relname;

-- Put the log back as the extension made it.
DROP INDEX selegic.log_one_per_action, selegic.log_lower_tag, selegic.log_api_only,
  selegic.log_brin, selegic.log_hash;
ALTER TABLE selegic.drift_log DROP CONSTRAINT no_drops, DROP COLUMN ticket;
DROP TRIGGER log_before ON selegic.drift_log;
DROP TRIGGER log_after ON selegic.drift_log;
DROP TRIGGER log_statement ON selegic.drift_log;
DROP SCHEMA lt CASCADE;
TRUNCATE selegic.entity CASCADE;
TRUNCATE selegic.drift_log;
