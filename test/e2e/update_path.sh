#!/usr/bin/env bash
# End to end: ALTER EXTENSION selegic_drift UPDATE from every released
# version leaves exactly what a fresh CREATE EXTENSION of the current version
# creates, keeps metadata, log rows and settings, and the current module
# still serves a database that has not been updated yet.
# Uses the server in PGHOST/PGPORT (run_all.sh starts one); the extension
# must be installed.
set -euo pipefail
: "${PGHOST:?set PGHOST/PGPORT to a running server}"
export PGUSER=${PGUSER:-postgres}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FINGERPRINT=$HERE/update_path/fingerprint.sql
work=$(mktemp -d /tmp/selegic_update.XXXXXX)
fail=0 pass=0
check() {  # check NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        echo "PASS $1"; pass=$((pass + 1))
    else
        echo "FAIL $1"; echo "  expected: $2"; echo "  actual:   $3"; fail=$((fail + 1))
    fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$@"; }
dbs="selegic_upd_old selegic_upd_fresh"
cleanup() {
    for db in $dbs; do psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT
for db in $dbs; do
    q postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
done

current=$(q postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = 'selegic_drift'")
versions=$(q postgres -c "SELECT string_agg(version, ',' ORDER BY string_to_array(version, '.')::int[]) FROM pg_available_extension_versions WHERE name = 'selegic_drift'")
check "available versions" "1.0,1.1" "$versions"
check "default version" "1.1" "$current"

# A tenant at 1.0 with metadata, settings and log rows, one of them resolved.
q selegic_upd_old <<'SQL'
CREATE EXTENSION selegic_drift VERSION '1.0';
ALTER DATABASE selegic_upd_old SET selegic.manual_ddl = 'warn';
CREATE SCHEMA shop;
CREATE TABLE shop.orders (id uuid PRIMARY KEY, amount integer, note text);
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-4000-8000-0000000000e1', 'orders', 'shop', 'orders');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, is_nullable, default_expr)
VALUES ('00000000-0000-4000-8000-0000000000f1', '00000000-0000-4000-8000-0000000000e1', 'amount', 'amount', 'number', 'bigint', true, '0'),
       ('00000000-0000-4000-8000-0000000000f2', '00000000-0000-4000-8000-0000000000e1', 'note', 'note', 'text', 'text', true, NULL);
INSERT INTO shop.orders SELECT gen_random_uuid(), g, 'n' || g FROM generate_series(1, 10) g;
SET client_min_messages = error;
ALTER TABLE shop.orders ALTER COLUMN note SET DEFAULT 'x';
ALTER TABLE shop.orders ADD COLUMN extra int;
DO $$ BEGIN PERFORM selegic_acknowledge(id, 'on purpose') FROM selegic.drift_log WHERE action = 'add column'; END $$;
SQL
check "1.0 installed" "1.0" "$(q selegic_upd_old -c "SELECT extversion FROM pg_extension WHERE extname = 'selegic_drift'")"

# The current module serves 1.0's SQL objects: report, dry run, capture.
drift_old=$(q selegic_upd_old -c "SELECT kind, object, coalesce(expected, '-'), coalesce(actual, '-') FROM selegic_drift() ORDER BY 1, 2")
check "1.0 report through the new module" \
"default_mismatch|shop.orders.amount|0|-
default_mismatch|shop.orders.note|-|'x'::text
extra_column|shop.orders.extra|-|integer
type_mismatch|shop.orders.amount|bigint|integer" "$drift_old"
check "1.0 report signature" "TABLE(kind text, entity_id uuid, field_id uuid, object text, expected text, actual text, fix text)" \
    "$(q selegic_upd_old -c "SELECT pg_get_function_result('selegic_drift(uuid)'::regprocedure)")"
check "1.0 dry run through the new module" \
"ALTER TABLE shop.orders ALTER COLUMN amount TYPE bigint;" \
"$(q selegic_upd_old -c "SELECT * FROM selegic_resync_all(true)" | grep 'TYPE bigint')"
log_before=$(q selegic_upd_old -c "SELECT count(*) FROM selegic.drift_log")
q selegic_upd_old -c "SET client_min_messages = error" -c "ALTER TABLE shop.orders ALTER COLUMN extra SET DEFAULT 1"
check "1.0 capture through the new module" "$((log_before + 1))" "$(q selegic_upd_old -c "SELECT count(*) FROM selegic.drift_log")"

snapshot() {  # the data an update must keep
    q "$1" -c "SELECT * FROM (SELECT 'entity' AS k, to_jsonb(e) AS v FROM selegic.entity e
               UNION ALL SELECT 'field', to_jsonb(f) FROM selegic.field f
               UNION ALL SELECT 'log', to_jsonb(l) - 'database_name' FROM selegic.drift_log l
               UNION ALL SELECT 'setting', to_jsonb(s.setconfig) FROM pg_db_role_setting s
                         JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = current_database()) s
               ORDER BY k, v::text"
}
snapshot selegic_upd_old >"$work/data.before"
drift_before=$(q selegic_upd_old -c "SELECT kind, object, coalesce(expected, '-'), coalesce(actual, '-') FROM selegic_drift() ORDER BY 1, 2")

q selegic_upd_old -c "ALTER EXTENSION selegic_drift UPDATE"
check "updated to the current version" "$current" "$(q selegic_upd_old -c "SELECT extversion FROM pg_extension WHERE extname = 'selegic_drift'")"
snapshot selegic_upd_old >"$work/data.after"
if cmp -s "$work/data.before" "$work/data.after"; then
    check "metadata, log rows and settings kept" same same
else
    check "metadata, log rows and settings kept" same "$(diff "$work/data.before" "$work/data.after" | head -20)"
fi
check "report unchanged by the update" "$drift_before" \
    "$(q selegic_upd_old -c "SELECT kind, object, coalesce(expected, '-'), coalesce(actual, '-') FROM selegic_drift() ORDER BY 1, 2")"

q selegic_upd_fresh -c "CREATE EXTENSION selegic_drift"
psql -X -q -d selegic_upd_old -f "$FINGERPRINT" >"$work/updated.txt"
psql -X -q -d selegic_upd_fresh -f "$FINGERPRINT" >"$work/fresh.txt"
lines=$(wc -l <"$work/fresh.txt")
if [ "$lines" -gt 50 ] && cmp -s "$work/updated.txt" "$work/fresh.txt"; then
    check "updated objects equal a fresh install ($lines properties)" same same
else
    check "updated objects equal a fresh install" same \
        "$(diff -u "$work/fresh.txt" "$work/updated.txt" | head -60)"
fi

# DROP and CREATE after the update: a clean install of the current version.
q selegic_upd_old -c "DROP EXTENSION selegic_drift CASCADE" -c "CREATE EXTENSION selegic_drift"
psql -X -q -d selegic_upd_old -f "$FINGERPRINT" >"$work/recreated.txt"
if cmp -s "$work/recreated.txt" "$work/fresh.txt"; then
    check "DROP + CREATE after the update equals a fresh install" same same
else
    check "DROP + CREATE after the update equals a fresh install" same \
        "$(diff -u "$work/fresh.txt" "$work/recreated.txt" | head -40)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
