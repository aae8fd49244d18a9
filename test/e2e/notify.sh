#!/usr/bin/env bash
# End to end: a second session's LISTEN selegic_drift receives the JSON
# payload of a manual DDL, and an API session's DDL sends nothing.
# Uses the server in PGHOST/PGPORT (run_all.sh starts one); the extension
# must be installed.
set -euo pipefail
: "${PGHOST:?set PGHOST/PGPORT to a running server}"
export PGUSER=${PGUSER:-postgres}
db=selegic_notify_e2e
fail=0 pass=0
check() {  # check NAME CONDITION-RESULT
    if [ "$2" = ok ]; then echo "PASS $1"; pass=$((pass + 1)); else echo "FAIL $1: $2"; fail=$((fail + 1)); fi
}

psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS '$db' WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
psql -X -q -d $db -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION selegic_drift;
CREATE ROLE selegic_e2e_api;
CREATE SCHEMA shop;
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-0000-0000-0000000000e1', 'orders', 'shop', 'orders');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type)
VALUES ('00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-0000000000e1', 'amount', 'amount', 'n', 'integer');
CREATE TABLE shop.orders (id uuid PRIMARY KEY, amount integer);
SQL

# The listener waits long enough for the DDL below, then runs one more
# command so psql prints what arrived.
listen_out=$(mktemp)
psql -X -d $db -c "LISTEN selegic_drift" -c "SELECT pg_sleep(3)" -c "SELECT 1" >"$listen_out" 2>&1 &
listener=$!
sleep 1
psql -X -q -d $db -c "ALTER TABLE shop.orders ALTER COLUMN amount TYPE bigint"
psql -X -q -At -d $db -c "SELECT selegic_api_execute('ALTER TABLE shop.orders ADD COLUMN via_api int')"
wait $listener

payloads=$(grep -o 'with payload "{.*}" received' "$listen_out" | sed -e 's/^with payload "//' -e 's/" received$//' || true)
count=$(printf '%s\n' "$payloads" | grep -c '^{' || true)
[ "$count" = 2 ] && check "two notifications (alter type, and the rewrite it caused)" ok \
    || check "two notifications" "got $count: $(cat "$listen_out")"

printf '%s\n' "$payloads" | python3 -c '
import json, sys
rows = [json.loads(line) for line in sys.stdin if line.startswith("{")]
want = {"id", "action", "command_tag", "object", "entity_id", "field_id"}
for r in rows:
    missing = want - set(r)
    assert not missing, f"missing keys {missing} in {r}"
    assert r["entity_id"] == "00000000-0000-0000-0000-0000000000e1", r
    assert r["command_tag"] == "ALTER TABLE", r
    assert r["origin"] == "manual", r
actions = sorted(r["action"] for r in rows)
assert actions == ["alter column type", "rewrite table"], actions
typed = [r for r in rows if r["action"] == "alter column type"][0]
assert typed["field_id"] == "00000000-0000-0000-0000-0000000000f1", typed
assert typed["object"] == "shop.orders.amount", typed
' && check "payload keys and values" ok || check "payload keys and values" "bad payload: $payloads"

# The notified ids are the log rows' ids; the API's DDL sent nothing.
ids=$(printf '%s\n' "$payloads" | python3 -c 'import json,sys; print(",".join(sorted(json.loads(l)["id"] for l in sys.stdin if l.startswith("{"))))')
logged=$(psql -X -At -d $db -c "SELECT string_agg(id::text, ',' ORDER BY id::text) FROM selegic.drift_log WHERE origin = 'manual' AND command_tag = 'ALTER TABLE'")
[ "$ids" = "$logged" ] && check "notified ids are the manual log rows" ok || check "notified ids" "$ids vs $logged"
grep -q via_api "$listen_out" && check "API DDL sends no notification" "it did" || check "API DDL sends no notification" ok

rm -f "$listen_out"
psql -X -q -d postgres -c "DROP DATABASE $db WITH (FORCE)" -c "DROP ROLE selegic_e2e_api"
trap - EXIT
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
