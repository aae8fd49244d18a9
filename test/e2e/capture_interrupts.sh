#!/usr/bin/env bash
# End to end: interrupts during the DDL capture stay interrupts.
# With a large metadata (3,000 entities x 20 fields), a session's first
# capture rebuilds its cache of managed objects, which takes long enough for
# a statement_timeout of a few milliseconds to fire inside it. Under
# selegic.manual_ddl = block, an ordinary table owner's ALTER TABLE must then
# be canceled or refused, never go through; under log it must be canceled
# or recorded, never go through unrecorded. A pg_cancel_backend() from a
# second session during captures leaves a log whose indexes agree with it.
# Uses the server in PGHOST/PGPORT (run_all.sh starts one).
set -euo pipefail
: "${PGHOST:?set PGHOST/PGPORT to a running server}"
export PGUSER=${PGUSER:-postgres}
db=selegic_interrupts_e2e
fail=0 pass=0
check() {  # check NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then echo "PASS $1"; pass=$((pass + 1));
    else echo "FAIL $1: expected [$2], got [$3]"; fail=$((fail + 1)); fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d $db "$@"; }

psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS '$db' WITH (FORCE)" >/dev/null 2>&1 || true; psql -X -q -d postgres -c "DROP ROLE IF EXISTS selegic_e2e_owner" >/dev/null 2>&1 || true' EXIT
psql -X -q -d postgres -c "DROP ROLE IF EXISTS selegic_e2e_owner" -c "CREATE ROLE selegic_e2e_owner LOGIN"
q <<'SQL'
CREATE EXTENSION selegic_drift;
CREATE EXTENSION amcheck;
CREATE SCHEMA app AUTHORIZATION selegic_e2e_owner;
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'e' || g, 'app', 't' || g
FROM generate_series(1, 3000) g;
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type)
SELECT gen_random_uuid(), e.id, 'f' || f, 'f' || f, 'n', 'integer'
FROM selegic.entity e, generate_series(1, 20) f;
SET ROLE selegic_e2e_owner;
CREATE TABLE app.t1 (id uuid PRIMARY KEY, f1 integer);
SQL

# How long a cold capture takes here, to aim the timeouts inside it.
cold_ms=$(q -c "SELECT 1" -c "\timing on" -c "ALTER TABLE app.t1 ALTER COLUMN f1 SET DEFAULT 0" 2>/dev/null | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | head -1)
echo "cold capture: ${cold_ms:-?} ms"

attempt() {  # attempt TIMEOUT_MS COLUMN -> prints "done" or the SQLSTATE
    local out
    out=$(psql -X -q -At -v ON_ERROR_STOP=1 -d $db -U selegic_e2e_owner \
        -c "SET statement_timeout = '$1ms'" \
        -c "ALTER TABLE app.t1 ADD COLUMN $2 int" -c "\echo done" 2>&1 || true)
    case "$out" in
        *done*) echo done ;;
        *"statement timeout"*) echo 57014 ;;
        *"is blocked"*) echo 42501 ;;
        *) echo "other: $out" ;;
    esac
}
column_exists() { q -c "SELECT count(*) FROM pg_attribute WHERE attrelid = 'app.t1'::regclass AND attname = '$1'"; }
logged() { q -c "SELECT count(*) FROM selegic.drift_log WHERE action = 'add column' AND object_identity = 'app.t1' AND query LIKE '%$1%'"; }

# selegic.manual_ddl is superuser-only: a DBA sets it for the database, and
# every new session of the owner has it (each a cold cache).
q -c "ALTER DATABASE $db SET selegic.manual_ddl = block"
bypassed=0 canceled=0 blocked=0 other=0
for ms in 2 4 6 8 10 15 20 30 40 60 100; do
    r=$(attempt $ms "blk_$ms")
    exists=$(column_exists "blk_$ms")
    case "$r" in
        done) bypassed=$((bypassed + 1)) ;;
        57014) canceled=$((canceled + 1)) ;;
        42501) blocked=$((blocked + 1)) ;;
        *) other=$((other + 1)); echo "  unexpected at ${ms}ms: $r" ;;
    esac
    [ "$exists" = 0 ] || bypassed=$((bypassed + 1))
done
echo "block: $canceled canceled, $blocked refused, $bypassed went through"
check "block: no ALTER TABLE got through (11 attempts)" 0 "$bypassed"
check "block: every attempt was canceled or refused" 11 "$((canceled + blocked))"
check "block: no other outcome" 0 "$other"

q -c "ALTER DATABASE $db SET selegic.manual_ddl = log"
unrecorded=0 canceled=0 recorded=0
for ms in 2 4 6 8 10 15 20 30 40 60 100; do
    r=$(attempt $ms "lg_$ms")
    exists=$(column_exists "lg_$ms")
    rows=$(logged "lg_$ms")
    if [ "$exists" = 1 ] && [ "$rows" = 0 ]; then unrecorded=$((unrecorded + 1)); fi
    if [ "$exists" = 1 ] && [ "$rows" = 1 ]; then recorded=$((recorded + 1)); fi
    if [ "$r" = 57014 ] && [ "$exists" = 0 ]; then canceled=$((canceled + 1)); fi
done
echo "log: $canceled canceled, $recorded recorded"
check "log: no change went through unrecorded (11 attempts)" 0 "$unrecorded"
check "log: every attempt was canceled or recorded" 11 "$((canceled + recorded))"

# A second session cancels a backend that keeps capturing.
q -c "ALTER DATABASE $db RESET selegic.manual_ddl"
psql -X -q -d $db -U selegic_e2e_owner -v ON_ERROR_STOP=0 >/dev/null 2>&1 <<'SQL' &
SELECT pg_sleep(0.2);
DO $$
BEGIN
  FOR i IN 1..100000 LOOP
    EXECUTE format('ALTER TABLE app.t1 ALTER COLUMN f1 SET DEFAULT %s', i);
  END LOOP;
END $$;
SQL
worker=$!
sleep 1
canceled_backends=$(q -c "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity WHERE datname = '$db' AND query LIKE 'DO %'")
wait $worker || true
check "a capturing backend was canceled" 1 "$canceled_backends"
check "log indexes agree with the heap after the cancel" "" \
    "$(q -c "SELECT string_agg(c.relname, ',') FILTER (WHERE bt_index_check(c.oid, true)::text <> '') FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'selegic.drift_log'::regclass")"
check "the canceled DO block left no row" 0 "$(q -c "SELECT count(*) FROM selegic.drift_log WHERE query LIKE 'DO %'")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
