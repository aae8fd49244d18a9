#!/usr/bin/env bash
# End to end: the counters since server start (view selegic.counters) with
# the library in shared_preload_libraries, as the README recommends; and
# without it, the view says it is not counting. Starts its own cluster.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DIR=$(mktemp -d /tmp/selegic_counters.XXXXXX)
cleanup() { "$ROOT/test/pg_cluster.sh" stop "$DIR"; rm -rf "$DIR"; }
trap cleanup EXIT
eval "$("$ROOT/test/pg_cluster.sh" start "$DIR" 5495 "shared_preload_libraries = 'selegic_drift'")"
fail=0 pass=0
check() {  # check NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then echo "PASS $1"; pass=$((pass + 1));
    else echo "FAIL $1: expected [$2], got [$3]"; fail=$((fail + 1)); fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@"; }
counters() { q -c "SELECT concat_ws(' ', ddl_captured, ddl_blocked, capture_failures, repairs_run, repairs_failed, reports) FROM selegic.counters"; }

q <<'SQL'
CREATE EXTENSION selegic_drift;
CREATE SCHEMA app;
CREATE TABLE app.t (id uuid PRIMARY KEY, a integer);
INSERT INTO app.t VALUES (gen_random_uuid(), NULL);
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-000000000001', 't', 'app', 't');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, is_nullable) VALUES
  ('00000000-0000-0000-0000-000000000011', '00000000-0000-0000-0000-000000000001', 'a', 'a', 'n', 'integer', false);
SQL
check "counting with shared_preload_libraries" "t" "$(q -c "SELECT counting AND since <= now() FROM selegic.counters")"
check "nothing counted yet" "0 0 0 0 0 0" "$(counters)"
q -c "SELECT count(*) FROM selegic_drift()" >/dev/null   # a report; repairs compute theirs uncounted
q -c "ALTER TABLE app.t ALTER COLUMN a SET DEFAULT 1" -c "ALTER TABLE app.t ADD COLUMN b int, ALTER COLUMN b SET DEFAULT 2" >/dev/null
q -c "SET selegic.manual_ddl = block" -c "ALTER TABLE app.t ADD COLUMN c int" >/dev/null 2>&1 || true
q -c "SELECT count(*) FROM selegic_resync_all()" >/dev/null 2>&1 || true   # NULL in a: fails
q -c "UPDATE app.t SET a = 1" -c "SELECT count(*) FROM selegic_resync_all()" >/dev/null
check "captured, blocked, failures, repairs run, repairs failed, reports" "3 1 0 1 1 1" "$(counters)"
# A capture that fails is counted (a column of selegic.field renamed).
q -c "SET client_min_messages = error" -c "ALTER TABLE selegic.field RENAME COLUMN sql_type TO sql_type_x" \
  -c "ALTER TABLE app.t ADD COLUMN d int" -c "ALTER TABLE selegic.field RENAME COLUMN sql_type_x TO sql_type" >/dev/null
check "capture failures counted (the rename and the next DDL; the rename back reads the metadata again)" "2" "$(q -c "SELECT capture_failures FROM selegic.counters")"
# Counters are the server's: another session sees the same.
check "another session sees them" "$(counters)" "$(psql -X -q -At -d postgres -c "SELECT concat_ws(' ', ddl_captured, ddl_blocked, capture_failures, repairs_run, repairs_failed, reports) FROM selegic.counters")"

# Without the preload: the view says so, with NULL counts.
"$ROOT/test/pg_cluster.sh" stop "$DIR"
sed -i "s/^shared_preload_libraries = 'selegic_drift'/#&/" "$DIR/data/postgresql.conf"
eval "$("$ROOT/test/pg_cluster.sh" start "$DIR" 5495)"
check "not counting without the preload" "f|t" "$(q -F '|' -c "SELECT counting, ddl_captured IS NULL FROM selegic.counters")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
