#!/usr/bin/env bash
# Property test of selegic_resync_all() (issue 3): repairable drift is fully
# repaired, losslessly; and the report's cache never answers differently from
# a cold computation (issue 11).
#
# For each case (reproducible from PROPERTY_SEED and the case number): random
# metadata in a fresh schema (1-4 entities, 1-6 fields, random types, NULL /
# default / unique, relations with every ON DELETE, hostile names), tables in
# sync, random rows, random drift of every fixable kind that the rows allow
# (missing_table, missing_primary_key, missing_column, renamed_column,
# type_mismatch, nullability_mismatch, default_mismatch, unique_mismatch,
# foreign_key_mismatch), extra columns and unmanaged tables; then
# selegic_resync_all(). Asserts:
#   1. selegic_drift() reports only extra_column / unmanaged_table rows (the
#      injected ones);
#   2. every table's row count and row digest, over the columns that existed
#      before the repair, are unchanged;
#   3. a second selegic_resync_all() returns zero rows;
# and also that every injected drift was reported, that the dry run listed
# exactly the statements the repair ran and changed nothing, and that no
# repair statement drops a table, a column or a row.
# The generator and the checks are test/e2e/property/generator.sql; one case
# is test/e2e/property/case.sql.
#
#   PROPERTY_SEED   seed (default 20261128)
#   PROPERTY_CASES  number of cases (default 200)
#   PROPERTY_CASE   run only this case number (to reproduce a failure; the
#                   database is then kept for inspection)
#   PROPERTY_DB     database to create and drop (default selegic_property)
#
# Connection: PGHOST/PGPORT/PGUSER/PGDATABASE from the environment (PGDATABASE
# is only used to create and drop the test database). Without PGHOST, a
# throwaway cluster is started with test/pg_cluster.sh and stopped on exit.
# The extension must be installed (make install).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SEED=${PROPERTY_SEED:-20261128}
CASES=${PROPERTY_CASES:-200}
ONLY=${PROPERTY_CASE:-}
DB=${PROPERTY_DB:-selegic_property}
MAX_SHOWN=${PROPERTY_MAX_SHOWN:-5}   # failing cases shown in full

case "$SEED" in ''|*[!0-9]*) echo "PROPERTY_SEED must be a non-negative integer" >&2; exit 2 ;; esac
case "$CASES" in ''|*[!0-9]*) echo "PROPERTY_CASES must be a non-negative integer" >&2; exit 2 ;; esac
case "$ONLY" in *[!0-9]*) echo "PROPERTY_CASE must be a case number" >&2; exit 2 ;; esac

CLUSTER=
keep_db=
cleanup() {
    if [ -z "$keep_db" ]; then
        psql -X -q -d "${PGDATABASE:-postgres}" -c "DROP DATABASE IF EXISTS \"$DB\"" >/dev/null 2>&1 || true
    fi
    if [ -n "$CLUSTER" ]; then
        "$ROOT/test/pg_cluster.sh" stop "$CLUSTER"
        rm -rf "$CLUSTER"
    fi
}
trap cleanup EXIT

if [ -z "${PGHOST:-}" ]; then
    CLUSTER=$(mktemp -d /tmp/selegic_property.XXXXXX)
    eval "$("$ROOT/test/pg_cluster.sh" start "$CLUSTER" "${PROPERTY_PORT:-5497}")" || exit 1
fi
ADMIN_DB=${PGDATABASE:-postgres}

PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d "$ADMIN_DB" \
    -c "DROP DATABASE IF EXISTS \"$DB\"" -c "CREATE DATABASE \"$DB\"" >/dev/null || exit 1
if ! psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "CREATE EXTENSION selegic_drift" \
        -f "$HERE/property/generator.sql" >/dev/null; then
    echo "property_resync: could not set up database $DB" >&2
    exit 1
fi

# Every selegic_drift() answered from a backend's cache is checked against a
# cold computation (an internal error if they differ): in each case's own
# session, and in a second session that stays connected across all cases,
# so its cache lives through every other session's DDL and metadata changes.
psql -X -q -d "$ADMIN_DB" -c "ALTER DATABASE \"$DB\" SET selegic.drift_cache_verify = on" >/dev/null || exit 1
coproc WARM { stdbuf -oL psql -X -q -At -d "$DB" 2>&1; }
warm_check() {  # prints the warm session's answer for case $1, or FAILED
    local line
    echo "SELECT 'WARM $1 ' || count(*) FROM selegic_drift();" >&"${WARM[1]}"
    while IFS= read -r -t 60 line <&"${WARM[0]}"; do
        case "$line" in
            "WARM $1 "*) echo ok; return ;;
            *ERROR*) echo "FAILED: $line"; return ;;
        esac
    done
    echo "FAILED: no answer from the warm session"
}
warm_fail=0

if [ -n "$ONLY" ]; then
    first=$ONLY last=$ONLY
else
    first=1 last=$CASES
fi

start=$(date +%s)
pass=0 fail=0 shown=0
failed_cases=()
stats=
for ((i = first; i <= last; i++)); do
    out=$(psql -X -q -At -d "$DB" -v seed="$SEED" -v case_no="$i" -f "$HERE/property/case.sql" 2>&1)
    stats+=$(grep '^STATS ' <<<"$out" | cut -c7-)$'\n'
    out=$(grep -v '^STATS ' <<<"$out")
    warm=$(warm_check "$i")
    if [ "$warm" != ok ]; then
        warm_fail=$((warm_fail + 1))
        out+=$'\n'"second session with a warm cache: $warm"
    fi
    if grep -qx 'PROPERTY_OK' <<<"$out" && ! grep -q 'ERROR:' <<<"$out" && [ "$warm" = ok ]; then
        pass=$((pass + 1))
        [ -n "$ONLY" ] && printf '%s\n' "$out"
    else
        fail=$((fail + 1))
        failed_cases+=("$i")
        if [ "$shown" -lt "$MAX_SHOWN" ]; then
            shown=$((shown + 1))
            echo "=== FAILED: case $i of seed $SEED (reproduce: PROPERTY_SEED=$SEED PROPERTY_CASE=$i $0)"
            printf '%s\n' "$out" | grep -v '^$'
            echo
        fi
    fi
done
elapsed=$(($(date +%s) - start))

# What the cases covered: injected drift by kind, type drifts, setup modes.
tr ' ' '\n' <<<"$stats" | grep -v '^$' | sort | uniq -c | sort -k2 |
    awk '{ printf "%s %s", (NR > 1 ? "," : "coverage:"), $2 "=" $1 } END { print "" }' | fold -s -w 110

if [ -n "$ONLY" ] && [ "$fail" -gt 0 ] && [ -z "$CLUSTER" ]; then
    keep_db=1
    echo "database $DB kept for inspection, with the case's schemas (drop it when done)"
fi
echo "second session with a warm cache: $((pass + fail - warm_fail)) of $((pass + fail)) cases agreed with a cold computation"
if [ "$fail" -eq 0 ]; then
    echo "property_resync: $pass cases passed (seed $SEED) in ${elapsed}s"
else
    echo "property_resync: $fail of $((pass + fail)) cases FAILED (seed $SEED) in ${elapsed}s: cases ${failed_cases[*]}"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
