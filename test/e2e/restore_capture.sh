#!/usr/bin/env bash
# End to end: restoring a tenant with pg_restore, with and without the
# capture switch (docs/runbook.md, "Restoring a tenant").
#
# Without it, the restore's post-data DDL (primary keys, unique constraints,
# foreign keys, indexes) on tables the just-restored metadata manages is
# manual DDL: false rows in selegic.drift_log, each notified, and under
# ALTER DATABASE ... SET selegic.manual_ddl = block the restore fails. With
#   PGOPTIONS='-c selegic.capture=off' pg_restore ...
# it restores under any mode with no new row and no notification.
# Uses the server in PGHOST/PGPORT (run_all.sh starts one) and the client
# programs on PATH; the extension must be installed.
set -uo pipefail
: "${PGHOST:?set PGHOST/PGPORT to a running server}"
export PGUSER=${PGUSER:-postgres}
unset PGOPTIONS
SRC=selegic_restore_src
DBS="$SRC selegic_restore_plain selegic_restore_block selegic_restore_off selegic_restore_off_block"
work=$(mktemp -d /tmp/selegic_restore.XXXXXX)
listener=
fail=0 pass=0
check() {  # check NAME ok|<what went wrong>
    if [ "$2" = ok ]; then echo "PASS $1"; pass=$((pass + 1)); else echo "FAIL $1: $2"; fail=$((fail + 1)); fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$@"; }
cleanup() {
    [ -n "$listener" ] && kill "$listener" 2>/dev/null
    for db in $DBS; do psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1; done
    rm -rf "$work"
}
trap cleanup EXIT
for db in $DBS; do q postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"; done

# A tenant: two entities with a relation, a unique field, an index, data,
# and a log that already holds a resolved and an unresolved row.
q postgres -c "CREATE DATABASE $SRC"
q $SRC >/dev/null <<'SQL'
CREATE EXTENSION selegic_drift;
CREATE SCHEMA shop;
INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES
  ('00000000-0000-4000-8000-0000000000e1', 'customers', 'shop', 'customers'),
  ('00000000-0000-4000-8000-0000000000e2', 'orders', 'shop', 'orders');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type, is_nullable, is_unique, references_entity) VALUES
  ('00000000-0000-4000-8000-0000000000f1', '00000000-0000-4000-8000-0000000000e1', 'email', 'email', 'text', 'text', false, true, NULL),
  ('00000000-0000-4000-8000-0000000000f2', '00000000-0000-4000-8000-0000000000e2', 'customer', 'customer_id', 'relation', 'uuid', true, false, '00000000-0000-4000-8000-0000000000e1'),
  ('00000000-0000-4000-8000-0000000000f3', '00000000-0000-4000-8000-0000000000e2', 'amount', 'amount', 'number', 'numeric(12,2)', false, false, NULL);
-- What the API creates, through the API.
SELECT count(*) AS statements FROM selegic_resync_all();
INSERT INTO shop.customers SELECT gen_random_uuid(), 'c' || g || '@example.com' FROM generate_series(1, 50) g;
INSERT INTO shop.orders (id, customer_id, amount) SELECT gen_random_uuid(), c.id, g FROM shop.customers c, generate_series(1, 4) g;
SET client_min_messages = error;
CREATE INDEX orders_amount_idx ON shop.orders (amount);
COMMENT ON TABLE shop.orders IS 'orders';
DO $$ BEGIN PERFORM selegic_acknowledge(id, 'reporting index') FROM selegic.drift_log WHERE command_tag = 'CREATE INDEX'; END $$;
SQL
check "source tenant in sync" "$(n=$(q $SRC -c "SELECT count(*) FROM selegic_drift()"); [ "$n" = 0 ] && echo ok || echo "$n drift rows")"
src_log=$(q $SRC -c "SELECT count(*) FROM selegic.drift_log")
src_rows=$(q $SRC -c "SELECT (SELECT count(*) FROM shop.customers) || '/' || (SELECT count(*) FROM shop.orders)")
pg_dump -Fc -d $SRC -f "$work/tenant.dump" || { check "pg_dump" "failed"; exit 1; }

# A listener on the new database while pg_restore runs.
listen_start() {
    ( echo "LISTEN selegic_drift;"; for _ in $(seq 1 400); do echo "SELECT pg_sleep(0.25);"; done ) |
        psql -X -q -At -d "$1" >"$work/$1.notify" 2>&1 &
    listener=$!
    sleep 0.5
}
listen_stop() { sleep 1; kill "$listener" 2>/dev/null; wait "$listener" 2>/dev/null; listener=; }
notified() { grep -c 'Asynchronous notification "selegic_drift"' "$work/$1.notify"; }
new_rows() { echo $(( $(q "$1" -c "SELECT count(*) FROM selegic.drift_log") - src_log )); }
same_tenant() {  # the restored data and schema are the source's
    local rows drift
    rows=$(q "$1" -c "SELECT (SELECT count(*) FROM shop.customers) || '/' || (SELECT count(*) FROM shop.orders)")
    drift=$(q "$1" -c "SELECT count(*) FROM selegic_drift()")
    if [ "$rows" = "$src_rows" ] && [ "$drift" = 0 ]; then echo ok; else echo "rows $rows (want $src_rows), $drift drift rows"; fi
}

# 1. Without the switch: false manual rows, each notified.
q postgres -c "CREATE DATABASE selegic_restore_plain"
listen_start selegic_restore_plain
pg_restore -d selegic_restore_plain "$work/tenant.dump" 2>"$work/plain.err"
rc=$?
listen_stop
check "without the switch: pg_restore succeeds" "$([ $rc = 0 ] && echo ok || echo "exit $rc: $(head -3 "$work/plain.err")")"
n=$(new_rows selegic_restore_plain)
check "without the switch: false manual rows ($n)" "$([ "$n" -gt 0 ] && echo ok || echo "no new row")"
check "without the switch: each notified" "$(m=$(notified selegic_restore_plain); [ "$m" = "$n" ] && echo ok || echo "$m notifications for $n rows")"
check "without the switch: the rows are the restore's post-data DDL" \
    "$(r=$(q selegic_restore_plain -c "SELECT string_agg(DISTINCT command_tag, ',' ORDER BY command_tag) FROM selegic.drift_log
                                      WHERE origin = 'manual' AND resolved_at IS NULL AND occurred_at > now() - interval '10 minutes'")
       [ "$r" = "ALTER TABLE,COMMENT,CREATE INDEX" ] && echo ok || echo "$r")"

# 2. Without the switch, under block: the restore fails at the first key.
q postgres -c "CREATE DATABASE selegic_restore_block" -c "ALTER DATABASE selegic_restore_block SET selegic.manual_ddl = block"
pg_restore -d selegic_restore_block "$work/tenant.dump" 2>"$work/block.err"
rc=$?
check "under block without the switch: pg_restore fails" "$([ $rc != 0 ] && echo ok || echo "it succeeded")"
check "under block without the switch: refused as manual DDL" \
    "$(grep -q 'manual DDL on managed object shop\.[a-z]* is blocked' "$work/block.err" && echo ok || echo "$(head -3 "$work/block.err")")"

# 3. With the switch, into a new database and under block: no row, no
#    notification, the same tenant.
for db in selegic_restore_off selegic_restore_off_block; do
    q postgres -c "CREATE DATABASE $db"
    [ $db = selegic_restore_off_block ] && q postgres -c "ALTER DATABASE $db SET selegic.manual_ddl = block"
    listen_start $db
    PGOPTIONS='-c selegic.capture=off' pg_restore -d $db "$work/tenant.dump" 2>"$work/$db.err"
    rc=$?
    listen_stop
    check "$db: pg_restore with selegic.capture=off succeeds" "$([ $rc = 0 ] && echo ok || echo "exit $rc: $(head -3 "$work/$db.err")")"
    check "$db: no new row" "$(n=$(new_rows $db); [ "$n" = 0 ] && echo ok || echo "$n new rows")"
    check "$db: no notification" "$(m=$(notified $db); [ "$m" = 0 ] && echo ok || echo "$m notifications")"
    check "$db: the same tenant, in sync" "$(same_tenant $db)"
done

# After the restore, capture is on again for every other session: the switch
# was the restore's own.
check "capture on after the restore" \
    "$(r=$(q selegic_restore_off_block -c "SELECT healthy, capture FROM selegic_status()"); [ "$r" = "t|t" ] && echo ok || echo "$r")"
refused=$(psql -X -q -d selegic_restore_off_block -c "ALTER TABLE shop.orders ADD COLUMN x int" 2>&1)
check "block still refuses manual DDL after the restore" \
    "$(case "$refused" in *"is blocked"*) echo ok ;; *) echo "it was not refused: $refused" ;; esac)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
