#!/usr/bin/env bash
# End to end: ALTER EXTENSION selegic_drift UPDATE from every released
# version leaves exactly what a fresh CREATE EXTENSION of the current version
# creates, keeps metadata, log rows and settings, and the current module
# still serves a database that has not been updated yet.
# The released versions are the frozen full scripts in sql/
# (selegic_drift--X.sql, every one but the current version's); each gets its
# own database and goes through the same steps. docs/releases.md says how a
# new version enters this list.
# Uses the server in PGHOST/PGPORT (run_all.sh starts one); the extension
# must be installed.
set -euo pipefail
: "${PGHOST:?set PGHOST/PGPORT to a running server}"
export PGUSER=${PGUSER:-postgres}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# Every version ever released plus the current one. Cutting a release adds
# the new version here by hand: the check below then fails if its frozen
# script was not committed or not installed.
EXPECTED_VERSIONS="1.0,1.1"
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
current=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$ROOT/selegic_drift.control")
# The released versions: full scripts without a "--" after the version.
released=$(cd "$ROOT/sql" && ls selegic_drift--*.sql | sed -n 's/^selegic_drift--\([0-9][0-9.]*\)\.sql$/\1/p' |
    grep -vxF "$current" | sort -t. -k1,1n -k2,2n -k3,3n || true)
db_of() { echo "selegic_upd_$(echo "$1" | tr . _)"; }
dbs="selegic_upd_fresh"
for v in $released; do dbs="$dbs $(db_of "$v")"; done
cleanup() {
    for db in $dbs; do psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT
for db in $dbs; do
    q postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
done

check "released versions in sql/ and the current one" "$EXPECTED_VERSIONS" \
    "$(echo $released $current | tr ' ' '\n' | paste -sd,)"
versions=$(q postgres -c "SELECT string_agg(version, ',' ORDER BY string_to_array(version, '.')::int[]) FROM pg_available_extension_versions WHERE name = 'selegic_drift'")
check "available versions" "$EXPECTED_VERSIONS" "$versions"
check "default version" "$current" \
    "$(q postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = 'selegic_drift'")"

q selegic_upd_fresh -c "CREATE EXTENSION selegic_drift"
psql -X -q -d selegic_upd_fresh -f "$FINGERPRINT" >"$work/fresh.txt"
lines=$(wc -l <"$work/fresh.txt")

snapshot() {  # the data an update must keep
    q "$1" -c "SELECT * FROM (SELECT 'entity' AS k, to_jsonb(e) AS v FROM selegic.entity e
               UNION ALL SELECT 'field', to_jsonb(f) FROM selegic.field f
               UNION ALL SELECT 'log', to_jsonb(l) - 'database_name' FROM selegic.drift_log l
               UNION ALL SELECT 'setting', to_jsonb(s.setconfig) FROM pg_db_role_setting s
                         JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = current_database()) s
               ORDER BY k, v::text"
}
report() {
    q "$1" -c "SELECT kind, object, coalesce(expected, '-'), coalesce(actual, '-') FROM selegic_drift() ORDER BY 1, 2"
}

for v in $released; do
    db=$(db_of "$v")
    echo "-- from $v"
    # The chain of update scripts PostgreSQL will run (1.0--1.1--1.2, say).
    path=$(q postgres -c "SELECT path FROM pg_extension_update_paths('selegic_drift') WHERE source = '$v' AND target = '$current'")
    check "$v -> $current: update path ${path:-none}" yes "$([ -n "$path" ] && echo yes || echo no)"

    # A tenant at $v with metadata, settings and log rows, one of them
    # resolved. Only what 1.0 already had: every released version has it.
    q "$db" <<SQL
CREATE EXTENSION selegic_drift VERSION '$v';
ALTER DATABASE $db SET selegic.manual_ddl = 'warn';
SQL
    q "$db" <<'SQL'
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
    check "$v installed" "$v" "$(q "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'selegic_drift'")"

    # The current module serves $v's SQL objects: report, dry run, capture.
    check "$v report through the new module" \
"default_mismatch|shop.orders.amount|0|-
default_mismatch|shop.orders.note|-|'x'::text
extra_column|shop.orders.extra|-|integer
type_mismatch|shop.orders.amount|bigint|integer" "$(report "$db")"
    case "$v" in
    1.0)  # 1.0's report has no waived_until: the old signature really is in use
        check "1.0 report signature" "TABLE(kind text, entity_id uuid, field_id uuid, object text, expected text, actual text, fix text)" \
            "$(q "$db" -c "SELECT pg_get_function_result('selegic_drift(uuid)'::regprocedure)")" ;;
    esac
    check "$v dry run through the new module" \
        "ALTER TABLE shop.orders ALTER COLUMN amount TYPE bigint;" \
        "$(q "$db" -c "SELECT * FROM selegic_resync_all(true)" | grep 'TYPE bigint')"
    log_before=$(q "$db" -c "SELECT count(*) FROM selegic.drift_log")
    q "$db" -c "SET client_min_messages = error" -c "ALTER TABLE shop.orders ALTER COLUMN extra SET DEFAULT 1"
    check "$v capture through the new module" "$((log_before + 1))" "$(q "$db" -c "SELECT count(*) FROM selegic.drift_log")"

    snapshot "$db" >"$work/data.before"
    drift_before=$(report "$db")

    q "$db" -c "ALTER EXTENSION selegic_drift UPDATE"
    check "$v updated to $current" "$current" "$(q "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'selegic_drift'")"
    snapshot "$db" >"$work/data.after"
    if cmp -s "$work/data.before" "$work/data.after"; then
        check "$v -> $current: metadata, log rows and settings kept" same same
    else
        check "$v -> $current: metadata, log rows and settings kept" same "$(diff "$work/data.before" "$work/data.after" | head -20)"
    fi
    check "$v -> $current: report unchanged by the update" "$drift_before" "$(report "$db")"

    psql -X -q -d "$db" -f "$FINGERPRINT" >"$work/updated.txt"
    if [ "$lines" -gt 50 ] && cmp -s "$work/updated.txt" "$work/fresh.txt"; then
        check "$v -> $current: updated objects equal a fresh install ($lines properties)" same same
    else
        check "$v -> $current: updated objects equal a fresh install" same \
            "$(diff -u "$work/fresh.txt" "$work/updated.txt" | head -60)"
    fi

    # DROP and CREATE after the update: a clean install of the current version.
    q "$db" -c "DROP EXTENSION selegic_drift CASCADE" -c "CREATE EXTENSION selegic_drift"
    psql -X -q -d "$db" -f "$FINGERPRINT" >"$work/recreated.txt"
    if cmp -s "$work/recreated.txt" "$work/fresh.txt"; then
        check "$v: DROP + CREATE after the update equals a fresh install" same same
    else
        check "$v: DROP + CREATE after the update equals a fresh install" same \
            "$(diff -u "$work/fresh.txt" "$work/recreated.txt" | head -40)"
    fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
