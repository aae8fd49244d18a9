#!/usr/bin/env bash
# End-to-end test of the fleet (docs/fleet.md): three PostgreSQL 15 clusters on
# this machine, wired with the extension's own helpers and native logical
# replication.
#
#   cluster 1  port 5601  database central      the metadata source; collects drift
#   cluster 2  port 5602  database tenant_one
#   cluster 3  port 5603  database tenant_two
#
# Metadata (selegic.entity, selegic.field) flows central -> tenants; each
# tenant's selegic.drift_log flows tenant -> central. Checks:
#   (a) the initial metadata copy reaches both tenants, whose drift is clean;
#   (b) a field added centrally shows up on each tenant as missing_column
#       until selegic_resync(field_id) there;
#   (c) a manual ALTER TABLE on tenant_one reaches central's drift_log and
#       selegic.fleet_drift; the repair on the tenant resolves the central copy.
#       The ALTER runs in a psql session opened before the field arrived: its
#       field_id shows that the apply worker's ENABLE ALWAYS row triggers
#       invalidated that backend's cache of managed objects (so does (d));
#   (d) a tenant that was down catches up on metadata; drift logged while
#       central was down arrives complete once it is back;
#   (e) selegic_fleet_status() shows every subscription with a running worker.
# Prints PASS/FAIL per check and ends with "N passed, M failed"; exits 1 on
# any failure.
#
# Run as root (the servers run as the postgres OS user, via
# test/pg_cluster.sh). The extension must be installed first:
#   make && make install && bash test/e2e/fleet.sh
# FLEET_PORT (default 5601) is the first of three consecutive ports; the
# servers listen only on unix sockets in their temporary directories, removed
# on exit. FLEET_WAIT (default 30) bounds each wait, in seconds; waits poll
# every 0.2 s. The clusters get wal_level = logical, 10 slots and walsenders,
# and wal_retrieve_retry_interval = 1s so that a subscription retries a lost
# publisher every second instead of every five (the restarts in (d)).
# Takes about 15 seconds.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export PATH="/usr/lib/postgresql/15/bin:$PATH"
export PGBIN=/usr/lib/postgresql/15/bin
CLUSTER_SH="$ROOT/test/pg_cluster.sh"
PORT_BASE=${FLEET_PORT:-5601}
WAIT_SECONDS=${FLEET_WAIT:-30}
START_NS=$(date +%s%N)

case "$PORT_BASE" in ''|*[!0-9]*) echo "FLEET_PORT must be a port number" >&2; exit 2 ;; esac
case "$WAIT_SECONDS" in ''|*[!0-9]*) echo "FLEET_WAIT must be a whole number of seconds" >&2; exit 2 ;; esac

if [ "$(id -u)" -ne 0 ]; then
    echo "fleet.sh: run as root (the clusters run as the postgres OS user via test/pg_cluster.sh)" >&2
    exit 2
fi
PG_VERSION=$("$PGBIN/postgres" --version 2>/dev/null)
if [ "${PG_VERSION#postgres (PostgreSQL) 15.}" = "$PG_VERSION" ]; then
    echo "fleet.sh: PostgreSQL 15 is not installed in $PGBIN" >&2
    exit 2
fi
SHAREDIR=$("$PGBIN/pg_config" --sharedir)
PKGLIBDIR=$("$PGBIN/pg_config" --pkglibdir)
if [ ! -f "$SHAREDIR/extension/selegic_drift.control" ] || [ ! -f "$PKGLIBDIR/selegic_drift.so" ]; then
    echo "fleet.sh: the extension is not installed ($SHAREDIR/extension/selegic_drift.control," \
         "$PKGLIBDIR/selegic_drift.so); run 'make && make install' in $ROOT first" >&2
    exit 2
fi

# ---------------------------------------------------------------- clusters

NODES="central tenant_one tenant_two"
declare -A DIR PORT
PORT[central]=$PORT_BASE
PORT[tenant_one]=$((PORT_BASE + 1))
PORT[tenant_two]=$((PORT_BASE + 2))
SESSION_PID=
PASSED=0
FAILED=0

cleanup() {
    local rc=$?
    if [ -n "$SESSION_PID" ]; then
        exec {SESSION_IN}>&- 2>/dev/null
        kill "$SESSION_PID" 2>/dev/null
        wait "$SESSION_PID" 2>/dev/null
    fi
    for n in $NODES; do
        [ -n "${DIR[$n]:-}" ] || continue
        if [ "$FAILED" -gt 0 ] || [ "$rc" -ne 0 ]; then
            if [ -s "${DIR[$n]}/server.log" ]; then
                echo "---- last lines of the $n server log"
                tail -n 15 "${DIR[$n]}/server.log"
            fi
        fi
        "$CLUSTER_SH" stop "${DIR[$n]}" || true
        rm -rf "${DIR[$n]}"
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# q NODE SQL: run SQL in the node's database; unaligned, tuples only.
q() {
    psql -X -At -q -v ON_ERROR_STOP=1 -h "${DIR[$1]}" -p "${PORT[$1]}" -U postgres -d "$1" -c "$2"
}
# qf NODE: run psql commands from stdin (for \gexec).
qf() {
    psql -X -At -q -v ON_ERROR_STOP=1 -h "${DIR[$1]}" -p "${PORT[$1]}" -U postgres -d "$1"
}
conninfo() { echo "host=${DIR[$1]} port=${PORT[$1]} dbname=$1 user=postgres"; }

start_node() {
    "$CLUSTER_SH" start "${DIR[$1]}" "${PORT[$1]}" \
        'wal_level = logical' 'max_replication_slots = 10' 'max_wal_senders = 10' \
        "wal_retrieve_retry_interval = '1s'" >/dev/null
}
stop_node() { "$CLUSTER_SH" stop "${DIR[$1]}"; }

# die MESSAGE: a setup step failed; nothing after it can be checked.
die() {
    echo "FAIL setup: $*"
    FAILED=$((FAILED + 1))
    echo "$PASSED passed, $FAILED failed"
    exit 1
}

# ---------------------------------------------------------------- checks

pass() { PASSED=$((PASSED + 1)); echo "PASS $1"; }
fail() {
    FAILED=$((FAILED + 1))
    echo "FAIL $1"
    echo "     expected: $(printf '%s' "$2" | sed '2,$s/^/               /')"
    echo "     actual:   $(printf '%s' "$3" | sed '2,$s/^/               /')"
}
# check NAME EXPECTED ACTUAL
check() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "$2" "$3"; fi; }

# wait_for NODE SQL EXPECTED: poll (every 0.2 s, at most WAIT_SECONDS) until
# the query prints EXPECTED; GOT holds the last output (or error).
wait_for() {
    local deadline=$(( $(date +%s%N) + WAIT_SECONDS * 1000000000 ))
    while :; do
        GOT=$(q "$1" "$2" 2>&1)
        [ "$GOT" = "$3" ] && return 0
        [ "$(date +%s%N)" -ge "$deadline" ] && return 1
        sleep 0.2
    done
}
# check_wait NAME NODE SQL EXPECTED
check_wait() {
    if wait_for "$2" "$3" "$4"; then pass "$1"; else fail "$1 (waited ${WAIT_SECONDS}s)" "$4" "$GOT"; fi
}
# wait_or_die WHAT NODE SQL EXPECTED: a wait that later steps depend on.
wait_or_die() {
    wait_for "$2" "$3" "$4" || die "$1 (waited ${WAIT_SECONDS}s): expected '$4', got '$GOT'"
}

# A long-lived psql session on tenant_one, opened before any metadata arrives.
# session SQL prints the output of SQL (stderr included).
session_open() {
    local fifo_dir
    fifo_dir=$(mktemp -d /tmp/selegic_fleet_session.XXXXXX)
    mkfifo "$fifo_dir/in" "$fifo_dir/out"
    psql -X -At -q -h "${DIR[tenant_one]}" -p "${PORT[tenant_one]}" -U postgres -d tenant_one \
        <"$fifo_dir/in" >"$fifo_dir/out" 2>&1 &
    SESSION_PID=$!
    exec {SESSION_IN}>"$fifo_dir/in" {SESSION_OUT}<"$fifo_dir/out"
    rm -rf "$fifo_dir"
}
session() {
    local line out='' sql=$1
    case "$sql" in *\;) ;; *) sql+=";" ;; esac
    printf '%s\n\\echo __selegic_fleet_done__\n' "$sql" >&"$SESSION_IN"
    while IFS= read -r -t "$WAIT_SECONDS" line <&"$SESSION_OUT"; do
        [ "$line" = __selegic_fleet_done__ ] && break
        out+=${out:+$'\n'}$line
    done
    printf '%s' "$out"
}

# ---------------------------------------------------------------- setup

# Fixed ids, so that the checks can name them.
E_CUST=00000000-0000-4000-8000-0000000000e1
E_ORD=00000000-0000-4000-8000-0000000000e2
F_NAME=00000000-0000-4000-8000-0000000000f1
F_EMAIL=00000000-0000-4000-8000-0000000000f2
F_AMOUNT=00000000-0000-4000-8000-0000000000f3
F_CUSTOMER=00000000-0000-4000-8000-0000000000f4
F_NOTE=00000000-0000-4000-8000-0000000000f5
F_STATUS=00000000-0000-4000-8000-0000000000f6
F_PHONE=00000000-0000-4000-8000-0000000000f7

echo "== start three clusters (central :${PORT[central]}, tenant_one :${PORT[tenant_one]}, tenant_two :${PORT[tenant_two]})"
for n in $NODES; do
    DIR[$n]=$(mktemp -d "/tmp/selegic_fleet_$n.XXXXXX")
    start_node "$n" || die "could not start the $n cluster"
    psql -X -q -h "${DIR[$n]}" -p "${PORT[$n]}" -U postgres -d postgres -c "CREATE DATABASE $n" \
        || die "CREATE DATABASE $n"
    q "$n" "CREATE EXTENSION selegic_drift" || die "CREATE EXTENSION selegic_drift in $n"
done

echo "== central: metadata (customers, orders with a relation to customers)"
q central "
INSERT INTO selegic.entity (id, slug, schema_name, table_name) VALUES
  ('$E_CUST', 'customers', 'public', 'customers'),
  ('$E_ORD', 'orders', 'public', 'orders');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type,
                           is_nullable, default_expr, is_unique, references_entity, on_delete) VALUES
  ('$F_NAME', '$E_CUST', 'name', 'name', 'text', 'text', false, NULL, false, NULL, 'no action'),
  ('$F_EMAIL', '$E_CUST', 'email', 'email', 'email', 'varchar(255)', true, NULL, true, NULL, 'no action'),
  ('$F_AMOUNT', '$E_ORD', 'amount', 'amount', 'number', 'numeric(12,2)', false, '0', false, NULL, 'no action'),
  ('$F_CUSTOMER', '$E_ORD', 'customer', 'customer_id', 'relation', 'uuid', true, NULL, false, '$E_CUST', 'restrict'),
  ('$F_NOTE', '$E_ORD', 'note', 'note', 'text', 'text', true, NULL, false, NULL, 'no action');" \
    || die "central metadata"

echo "== tenants: the matching tables, with a few rows"
for n in tenant_one tenant_two; do
    q "$n" "
CREATE TABLE public.customers (id uuid PRIMARY KEY, name text NOT NULL, email varchar(255) UNIQUE);
CREATE TABLE public.orders (
  id uuid PRIMARY KEY,
  amount numeric(12,2) NOT NULL DEFAULT 0,
  customer_id uuid REFERENCES public.customers (id) ON DELETE RESTRICT,
  note text);
INSERT INTO public.customers VALUES ('00000000-0000-4000-8000-0000000000c1', 'Ada', 'ada@example.com');
INSERT INTO public.orders VALUES
  ('00000000-0000-4000-8000-0000000000a1', 12.50, '00000000-0000-4000-8000-0000000000c1', 'first'),
  ('00000000-0000-4000-8000-0000000000a2', 3.00, '00000000-0000-4000-8000-0000000000c1', 'second');" \
        || die "tables on $n"
done

echo "== wire replication: publications everywhere, then the subscriptions"
for n in $NODES; do
    q "$n" "SELECT count(*) FROM selegic_fleet_publish()" >/dev/null 2>&1 || die "selegic_fleet_publish() on $n"
done
for n in tenant_one tenant_two; do
    qf "$n" <<EOF || die "metadata subscription on $n"
SELECT selegic_fleet_subscribe_metadata('$(conninfo central)') \gexec
EOF
    qf central <<EOF || die "drift subscription on central for $n"
SELECT selegic_fleet_subscribe_drift('$(conninfo "$n")', '$n') \gexec
EOF
done

# ---------------------------------------------------------------- (a)
echo "== (a) initial metadata copy"
for n in tenant_one tenant_two; do
    wait_or_die "$n: tables of the metadata subscription synchronised" "$n" \
        "SELECT count(*) FILTER (WHERE srsubstate = 'r') || '/' || count(*) FROM pg_subscription_rel" "2/2"
    check "(a) $n: entities copied" "customers,orders" \
        "$(q "$n" "SELECT string_agg(slug, ',' ORDER BY slug) FROM selegic.entity" 2>&1)"
    check "(a) $n: fields copied" "$F_NAME,$F_EMAIL,$F_AMOUNT,$F_CUSTOMER,$F_NOTE" \
        "$(q "$n" "SELECT string_agg(id::text, ',' ORDER BY id) FROM selegic.field" 2>&1)"
    check "(a) $n: selegic_drift() is clean" "0" "$(q "$n" "SELECT count(*) FROM selegic_drift()" 2>&1)"
done
wait_or_die "central: drift subscriptions synchronised" central \
    "SELECT count(*) FILTER (WHERE srsubstate = 'r') || '/' || count(*) FROM pg_subscription_rel" "2/2"
check "(a) central: no drift log rows from the tenants yet" "0" \
    "$(q central "SELECT count(*) FROM selegic.drift_log" 2>&1)"

# A long-lived session on tenant_one. Its first DDL (in a schema no entity
# uses, so ignored) builds its cache of managed objects from the metadata
# there now; from then on only invalidations tell it about new metadata, and
# the apply worker sends them through the ENABLE ALWAYS row triggers on
# selegic.field. Its manual DDL in (c) and (d) is on fields that arrive later.
session_open
out=$(session "CREATE SCHEMA scratch; CREATE TABLE scratch.warm_up (x int); DROP TABLE scratch.warm_up; DROP SCHEMA scratch;")
[ -z "$out" ] || die "long-lived session on tenant_one: $out"
SESSION_BACKEND=$(session "SELECT pg_backend_pid()")
case "$SESSION_BACKEND" in ''|*[!0-9]*) die "long-lived session on tenant_one: $SESSION_BACKEND" ;; esac
check "(a) tenant_one: DDL outside managed schemas is not logged" "0" \
    "$(q tenant_one "SELECT count(*) FROM selegic.drift_log" 2>&1)"

# ---------------------------------------------------------------- (b)
echo "== (b) a field added centrally"
q central "INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type,
                                      is_nullable, default_expr)
           VALUES ('$F_STATUS', '$E_ORD', 'status', 'status', 'text', 'text', false, '''new''')" \
    || die "insert field status on central"
# One line per drift row: kind|field_id|object|expected|actual, '-' for NULL.
DRIFT_SQL="SELECT string_agg(concat_ws('|', kind, coalesce(field_id::text, '-'), object,
                                     coalesce(expected, '-'), coalesce(actual, '-')), E'\n' ORDER BY object, kind)
           FROM selegic_drift()"
STATUS_ROW="missing_column|$F_STATUS|public.orders.status|text NOT NULL DEFAULT 'new'::text|-"
for n in tenant_one tenant_two; do
    check_wait "(b) $n: the new field arrives" "$n" \
        "SELECT slug FROM selegic.field WHERE id = '$F_STATUS'" "status"
    check "(b) $n: selegic_drift() shows it as missing_column" "$STATUS_ROW" "$(q "$n" "$DRIFT_SQL" 2>&1)"
done
check "(b) tenant_one: the long-lived session sees it too" "$STATUS_ROW" \
    "$(session "$DRIFT_SQL")"
check "(b) tenant_one: selegic_resync(field_id) adds the column" \
    "ALTER TABLE public.orders ADD COLUMN status text NOT NULL DEFAULT 'new'::text;" \
    "$(q tenant_one "SELECT * FROM selegic_resync('$F_STATUS')" 2>&1)"
check "(b) tenant_one: clean after the resync" "0" "$(q tenant_one "SELECT count(*) FROM selegic_drift()" 2>&1)"
check "(b) tenant_two: still missing_column until it resyncs itself" "$STATUS_ROW" "$(q tenant_two "$DRIFT_SQL" 2>&1)"
q tenant_two "SELECT * FROM selegic_resync('$F_STATUS')" >/dev/null 2>&1
check "(b) tenant_two: clean after its resync" "0" "$(q tenant_two "SELECT count(*) FROM selegic_drift()" 2>&1)"
check "(b) resyncs log no manual drift" "0|0" \
    "$(q tenant_one "SELECT count(*) FROM selegic.drift_log" 2>&1)|$(q tenant_two "SELECT count(*) FROM selegic.drift_log" 2>&1)"

# ---------------------------------------------------------------- (c)
echo "== (c) a manual ALTER TABLE on tenant_one"
# In the long-lived session, whose cache predates the status field.
out=$(session "ALTER TABLE public.orders ALTER COLUMN status DROP NOT NULL;")
[ -z "$out" ] || echo "     (psql said: $out)"
LOG_COLS="database_name, origin, command_tag, action, entity_id, field_id, resolved_at IS NOT NULL"
LOG_ROW="tenant_one|manual|ALTER TABLE|drop not null|$E_ORD|$F_STATUS|f"
check "(c) tenant_one: the change is logged, with the replicated field's id" "$LOG_ROW" \
    "$(q tenant_one "SELECT $LOG_COLS FROM selegic.drift_log" 2>&1)"
LOG_ID=$(q tenant_one "SELECT id FROM selegic.drift_log WHERE query LIKE '%status DROP NOT NULL%'" 2>&1)
check_wait "(c) central: the row arrives in selegic.drift_log" central \
    "SELECT $LOG_COLS FROM selegic.drift_log WHERE id = '$LOG_ID'" "$LOG_ROW"
check "(c) central: the row is identical to tenant_one's" \
    "$(q tenant_one "SELECT l::text FROM selegic.drift_log l WHERE id = '$LOG_ID'" 2>&1)" \
    "$(q central "SELECT l::text FROM selegic.drift_log l WHERE id = '$LOG_ID'" 2>&1)"
check "(c) central: selegic.fleet_drift shows tenant_one/orders and nothing for tenant_two" \
    "tenant_one|$E_ORD|orders|1" \
    "$(q central "SELECT database_name, entity_id, entity_slug, unresolved_manual FROM selegic.fleet_drift ORDER BY 1, 3" 2>&1)"
check "(c) tenant_one: selegic_drift() reports the change" \
    "nullability_mismatch|$F_STATUS|public.orders.status|NOT NULL|NULL" "$(q tenant_one "$DRIFT_SQL" 2>&1)"
check "(c) tenant_one: selegic_resync(field_id) puts it back" \
    "ALTER TABLE public.orders ALTER COLUMN status SET NOT NULL;" \
    "$(q tenant_one "SELECT * FROM selegic_resync('$F_STATUS')" 2>&1)"
RESOLVED_T1=$(q tenant_one "SELECT resolved_at || '|' || resolution FROM selegic.drift_log WHERE id = '$LOG_ID'" 2>&1)
check "(c) tenant_one: the resync resolved the log row" "yes" \
    "$([ -n "$RESOLVED_T1" ] && [ "${RESOLVED_T1#|}" = "$RESOLVED_T1" ] && echo yes || echo "no: '$RESOLVED_T1'")"
check_wait "(c) central: the resolution arrives (same resolved_at and resolution)" central \
    "SELECT resolved_at || '|' || resolution FROM selegic.drift_log WHERE id = '$LOG_ID'" "$RESOLVED_T1"
check "(c) central: selegic.fleet_drift is empty again" "" \
    "$(q central "SELECT database_name FROM selegic.fleet_drift" 2>&1)"

# ---------------------------------------------------------------- (d)
echo "== (d) tenant_two down while central adds a field"
stop_node tenant_two
check_wait "(d) central: tenant_two's slot is inactive" central \
    "SELECT active FROM pg_replication_slots WHERE slot_name = 'selegic_metadata_tenant_two'" "f"
q central "INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type)
           VALUES ('$F_PHONE', '$E_CUST', 'phone', 'phone', 'phone', 'varchar(40)')" \
    || die "insert field phone on central"
check "(d) central: the slot retains the WAL tenant_two has not confirmed" "t" \
    "$(q central "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) > 0
                  FROM pg_replication_slots WHERE slot_name = 'selegic_metadata_tenant_two'" 2>&1)"
check_wait "(d) tenant_one (up) receives the field" tenant_one \
    "SELECT slug FROM selegic.field WHERE id = '$F_PHONE'" "phone"
start_node tenant_two || die "could not restart tenant_two"
PHONE_ROW="missing_column|$F_PHONE|public.customers.phone|character varying(40)|-"
check_wait "(d) tenant_two: after the restart the field arrives" tenant_two \
    "SELECT slug FROM selegic.field WHERE id = '$F_PHONE'" "phone"
check "(d) tenant_two: selegic_drift() shows it as missing_column" "$PHONE_ROW" "$(q tenant_two "$DRIFT_SQL" 2>&1)"
check_wait "(d) central: tenant_two's slot is active again" central \
    "SELECT active FROM pg_replication_slots WHERE slot_name = 'selegic_metadata_tenant_two'" "t"

echo "== (d) central down while tenant_one drifts"
stop_node central
# Again in the long-lived session, whose cache predates the phone field.
check "(d) tenant_one: selegic_resync(field_id) adds the phone column, central being down" \
    "ALTER TABLE public.customers ADD COLUMN phone character varying(40);" \
    "$(q tenant_one "SELECT * FROM selegic_resync('$F_PHONE')" 2>&1)"
out=$(session "ALTER TABLE public.customers ALTER COLUMN phone TYPE varchar(80);
ALTER TABLE public.orders ALTER COLUMN amount DROP DEFAULT;")
[ -z "$out" ] || echo "     (psql said: $out)"
# The spec: one row per ALTER TABLE sub-command on a managed column, with
# field_id resolved.
check "(d) tenant_one: ALTER COLUMN phone TYPE logged as one row, with its field" \
    "alter column type|$F_PHONE" \
    "$(q tenant_one "SELECT string_agg(concat_ws('|', coalesce(action, '-'), coalesce(field_id::text, '-')), E'\n')
                     FROM selegic.drift_log WHERE query LIKE '%phone TYPE%'" 2>&1)"
check "(d) tenant_one: ALTER COLUMN amount DROP DEFAULT logged as one row, with its field" \
    "$F_AMOUNT" \
    "$(q tenant_one "SELECT string_agg(coalesce(field_id::text, '(no field_id: ' || action || ', ' || object_identity || ')'), E'\n' ORDER BY field_id)
                     FROM selegic.drift_log WHERE query LIKE '%DROP DEFAULT%'" 2>&1)"
PHONE_LOG=$(q tenant_one "SELECT id FROM selegic.drift_log WHERE query LIKE '%phone TYPE%'" 2>&1)
q tenant_one "SELECT selegic_acknowledge('$PHONE_LOG', 'ok, varchar(80) is agreed')" >/dev/null
check "(d) tenant_one: selegic_acknowledge() resolves the phone row" "ok, varchar(80) is agreed (by postgres)" \
    "$(q tenant_one "SELECT resolution FROM selegic.drift_log WHERE id = '$PHONE_LOG' AND resolved_at IS NOT NULL" 2>&1)"
check "(d) tenant_one: drift reports stay correct without central" \
    "type_mismatch|$F_PHONE|public.customers.phone|character varying(40)|character varying(80)
default_mismatch|$F_AMOUNT|public.orders.amount|0|-" \
    "$(q tenant_one "$DRIFT_SQL" 2>&1)"
LOG_SQL="SELECT string_agg(concat_ws('|', id, action, field_id, resolved_at, resolution), E'\n' ORDER BY id)
         FROM selegic.drift_log WHERE database_name = 'tenant_one'"
T1_LOG=$(q tenant_one "$LOG_SQL" 2>&1)
T1_COUNTS=$(q tenant_one "SELECT count(*) || ' rows, ' || count(resolved_at) || ' resolved' FROM selegic.drift_log" 2>&1)
start_node central || die "could not restart central"
check_wait "(d) central: after the restart it has exactly tenant_one's log rows ($T1_COUNTS; ids, resolutions)" \
    central "$LOG_SQL" "$T1_LOG"
# fleet_drift on central against the tenant's own unresolved manual rows.
OPEN_SQL="SELECT string_agg(concat_ws('|', database_name, e.slug, n), E'\n' ORDER BY 1, 2)
          FROM (SELECT database_name, entity_id, count(*) AS n FROM selegic.drift_log
                WHERE origin = 'manual' AND resolved_at IS NULL GROUP BY 1, 2) l
          LEFT JOIN selegic.entity e ON e.id = l.entity_id"
FLEET_SQL="SELECT string_agg(concat_ws('|', database_name, entity_slug, unresolved_manual), E'\n' ORDER BY 1, 2)
           FROM selegic.fleet_drift"
T1_OPEN=$(q tenant_one "$OPEN_SQL" 2>&1)
check "(d) central: selegic.fleet_drift matches tenant_one's own unresolved rows" \
    "$T1_OPEN" "$(q central "$FLEET_SQL" 2>&1)"
check "(d) central: no drift log rows from tenant_two" "0" \
    "$(q central "SELECT count(*) FROM selegic.drift_log WHERE database_name = 'tenant_two'" 2>&1)"

# ---------------------------------------------------------------- (e)
echo "== (e) selegic_fleet_status()"
STATUS_SQL="SELECT string_agg(concat_ws('|', subscription, enabled, worker_running), E'\n' ORDER BY subscription) FROM selegic_fleet_status()"
check_wait "(e) tenant_one: metadata subscription enabled, worker running" tenant_one \
    "$STATUS_SQL" "selegic_metadata_tenant_one|t|t"
check_wait "(e) tenant_two: metadata subscription enabled, worker running" tenant_two \
    "$STATUS_SQL" "selegic_metadata_tenant_two|t|t"
check_wait "(e) central: both drift subscriptions enabled, workers running" central \
    "$STATUS_SQL" "selegic_drift_tenant_one|t|t
selegic_drift_tenant_two|t|t"
check_wait "(e) central: both metadata slots active" central \
    "SELECT string_agg(concat_ws('|', slot_name, active), ',' ORDER BY slot_name) FROM pg_replication_slots" \
    "selegic_metadata_tenant_one|t,selegic_metadata_tenant_two|t"

echo "== finally: repair everything on the tenants; central sees nothing open"
q tenant_one "SELECT * FROM selegic_resync_all()" >/dev/null 2>&1
q tenant_two "SELECT * FROM selegic_resync_all()" >/dev/null 2>&1
check "tenants: both clean after selegic_resync_all()" "0|0" \
    "$(q tenant_one "SELECT count(*) FROM selegic_drift()" 2>&1)|$(q tenant_two "SELECT count(*) FROM selegic_drift()" 2>&1)"
# The spec: repaired drift marks the matching unresolved log rows resolved.
check "tenant_one: no unresolved manual log rows after selegic_resync_all()" "" \
    "$(q tenant_one "SELECT string_agg(concat_ws(' ', action, object_identity, 'field_id', coalesce(field_id::text, '-')), E'\n')
                     FROM selegic.drift_log WHERE origin = 'manual' AND resolved_at IS NULL" 2>&1)"
T1_LOG=$(q tenant_one "$LOG_SQL" 2>&1)
check_wait "central: its copy of tenant_one's log equals tenant_one's, resolutions included" \
    central "$LOG_SQL" "$T1_LOG"
T1_OPEN=$(q tenant_one "$OPEN_SQL" 2>&1)
check "central: selegic.fleet_drift equals tenant_one's unresolved rows, nothing for tenant_two" \
    "$T1_OPEN" "$(q central "$FLEET_SQL" 2>&1)"
check "the long-lived session on tenant_one is still the same backend" "$SESSION_BACKEND" \
    "$(session "SELECT pg_backend_pid()")"

echo "runtime: $(( ($(date +%s%N) - START_NS) / 1000000 )) ms"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
