#!/usr/bin/env bash
# End to end: pg_cron runs selegic_watch() every minute in a tenant database,
# and the API server's LISTEN selegic_drift hears of drift that no event
# trigger can see (runbook problem 2: a field saved whose column was never
# created) within a minute; after the repair, it hears that it was resolved.
#
# Starts its own cluster (port WATCH_CRON_PORT, default 5496) with
# shared_preload_libraries = 'pg_cron' and cron.database_name = 'postgres',
# schedules the watch with cron.schedule_in_database(), as docs/runbook.md
# says. Installs the Debian package postgresql-15-cron when it is missing
# (run as root, as on a fresh Debian 12 CI machine). Uses the PostgreSQL on
# PATH, or the one in PGBIN; selegic_drift must be installed there.
# Prints PASS/FAIL lines and "N passed, M failed"; exits 1 on any failure.
# Takes two to three minutes: pg_cron starts jobs on the minute.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PGBIN=${PGBIN:-$(pg_config --bindir)}
export PGBIN PATH="$PGBIN:$PATH"
PORT=${WATCH_CRON_PORT:-5496}
WAIT=${WATCH_CRON_WAIT:-70}   # seconds to wait for each notification
DB=selegic_cron_tenant

fail=0 pass=0
check() {  # check NAME ok|<what went wrong>
    if [ "$2" = ok ]; then echo "PASS $1"; pass=$((pass + 1)); else echo "FAIL $1: $2"; fail=$((fail + 1)); fi
}
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

if [ "$(id -u)" -ne 0 ]; then
    echo "watch_cron.sh: run as root (the cluster runs as the postgres OS user via test/pg_cluster.sh)" >&2
    exit 2
fi

# pg_cron 1.4, the Debian package. It installs into the system PostgreSQL; a
# PGBIN elsewhere (a relocated copy) must hold pg_cron.so itself.
if ! dpkg -s postgresql-15-cron >/dev/null 2>&1; then
    echo "== installing postgresql-15-cron"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq postgresql-15-cron >/dev/null
fi
if [ -f "$("$PGBIN/pg_config" --pkglibdir)/pg_cron.so" ]; then
    check "pg_cron is installed for $PGBIN" ok
else
    check "pg_cron is installed for $PGBIN" "no pg_cron.so in $("$PGBIN/pg_config" --pkglibdir)"
    finish
fi

CLUSTER=$(mktemp -d /tmp/selegic_cron.XXXXXX)
listener=
cleanup() {
    [ -n "$listener" ] && kill "$listener" 2>/dev/null
    "$ROOT/test/pg_cluster.sh" stop "$CLUSTER"
    rm -rf "$CLUSTER"
}
trap cleanup EXIT
# The cluster listens on a unix socket only: pg_cron's own connections go
# there too (cron.host), not to localhost.
eval "$("$ROOT/test/pg_cluster.sh" start "$CLUSTER" "$PORT" \
    "shared_preload_libraries = 'pg_cron'" "cron.database_name = 'postgres'" \
    "cron.host = '$CLUSTER'")" || { check "cluster with pg_cron starts" "see $CLUSTER/server.log"; finish; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

q -d postgres -c "CREATE EXTENSION pg_cron" -c "CREATE DATABASE $DB"
q -d $DB <<'SQL'
CREATE EXTENSION selegic_drift;
CREATE SCHEMA shop;
CREATE TABLE shop.orders (id uuid PRIMARY KEY, amount integer);
INSERT INTO shop.orders SELECT gen_random_uuid(), g FROM generate_series(1, 5) g;
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
VALUES ('00000000-0000-4000-8000-0000000000e1', 'orders', 'shop', 'orders');
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type)
VALUES ('00000000-0000-4000-8000-0000000000f1', '00000000-0000-4000-8000-0000000000e1', 'amount', 'amount', 'number', 'integer');
SQL
check "tenant in sync before" "$( [ "$(q -d $DB -c "SELECT count(*) FROM selegic_drift()")" = 0 ] && echo ok || echo "drift already")"

# One job per tenant database, scheduled from the database pg_cron lives in.
jobid=$(q -d postgres -c "SELECT cron.schedule_in_database('selegic-watch', '* * * * *', 'SELECT selegic_watch()', '$DB')")
check "watch scheduled" "$(q -d postgres -c "SELECT database || ' ' || command FROM cron.job WHERE jobid = $jobid" |
    grep -qx "$DB SELECT selegic_watch()" && echo ok || echo "cron.job has no such job")"

# The API server's connection: LISTEN, then idle in short sleeps so that
# psql prints each notification as it arrives.
out="$CLUSTER/listener.out"
( echo "LISTEN selegic_drift;"; for _ in $(seq 1 $((4 * (2 * WAIT + 30)))); do echo "SELECT pg_sleep(0.25);"; done ) |
    psql -X -q -At -d $DB >"$out" 2>&1 &
listener=$!
sleep 1

payloads() { grep -o 'with payload "{.*}" received' "$out" | sed -e 's/^with payload "//' -e 's/" received$//'; }
wait_for() {  # wait_for ACTION: seconds it took, or nothing after WAIT seconds
    local start=$SECONDS
    while [ $((SECONDS - start)) -lt "$WAIT" ]; do
        if payloads | grep -q "\"action\": \"$1\""; then echo $((SECONDS - start)); return; fi
        sleep 0.5
    done
}

# Runbook problem 2: the API saved a field, then crashed before ALTER TABLE.
# No DDL ran, so no event trigger fired: only the watch can tell.
q -d $DB -c "INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type)
             VALUES ('00000000-0000-4000-8000-0000000000f2', '00000000-0000-4000-8000-0000000000e1', 'note', 'note', 'text', 'text')"
took=$(wait_for "drift appeared")
check "drift appeared notified by the cron job within ${WAIT}s${took:+ (${took}s)}" "$([ -n "$took" ] && echo ok || echo "nothing arrived: $(payloads)")"
payloads | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.startswith("{")]
assert len(rows) == 1, rows
r = rows[0]
assert r == {"action": "drift appeared", "kind": "missing_column", "object": "shop.orders.note",
             "entity_id": "00000000-0000-4000-8000-0000000000e1",
             "field_id": "00000000-0000-4000-8000-0000000000f2"}, r
' && check "payload: action, kind, object, entity_id, field_id" ok || check "payload" "$(payloads)"
check "status shows the open drift of the last watch" \
    "$(r=$(q -d $DB -c "SELECT open_drift, last_watch_at IS NOT NULL FROM selegic_status()"); [ "$r" = "1|t" ] && echo ok || echo "$r")"

# The repair; the next run of the job finds the difference gone.
q -d $DB -c "SELECT * FROM selegic_resync_all()" >/dev/null
took=$(wait_for "drift resolved")
check "drift resolved notified by the cron job within ${WAIT}s${took:+ (${took}s)}" "$([ -n "$took" ] && echo ok || echo "nothing arrived: $(payloads)")"

# One more run, which finds nothing new and must send nothing.
runs_so_far() { q -d postgres -c "SELECT count(*) FROM cron.job_run_details WHERE jobid = $jobid AND status = 'succeeded'"; }
before=$(runs_so_far) start=$SECONDS
while [ "$(runs_so_far)" -le "$before" ] && [ $((SECONDS - start)) -lt "$WAIT" ]; do sleep 1; done
sleep 1
kill "$listener" 2>/dev/null; wait "$listener" 2>/dev/null; listener=
runs=$(runs_so_far)
failed=$(q -d postgres -c "SELECT count(*) FROM cron.job_run_details WHERE jobid = $jobid AND status <> 'succeeded'")
check "the job ran and never failed ($runs runs)" "$([ "$runs" -ge 3 ] && [ "$failed" = 0 ] && echo ok || echo "$runs succeeded, $failed not: $(q -d postgres -c "SELECT status, return_message FROM cron.job_run_details WHERE jobid = $jobid")")"
check "one notification per change, none from the quiet run" "$(n=$(payloads | wc -l); [ "$n" = 2 ] && echo ok || echo "$n notifications: $(payloads)")"
check "drift_state holds the resolved difference" \
    "$(r=$(q -d $DB -c "SELECT kind, object, resolved_at IS NOT NULL FROM selegic.drift_state")
       [ "$r" = "missing_column|shop.orders.note|t" ] && echo ok || echo "$r")"

q -d postgres -c "SELECT cron.unschedule($jobid)" >/dev/null
finish
