#!/usr/bin/env bash
# End to end, crash safety of the repair: the backend running
# selegic_resync_all() is killed with SIGKILL in the middle of the repair,
# the postmaster restarts the cluster (crash recovery), and nothing of the
# killed repair is left: it ran in one transaction that never committed.
#
# Scenario: schema crash, four entities of CRASH_ROWS rows each (default
# 750,000) whose metadata disagrees with the tables in four fixable ways:
# n integer (metadata: bigint, a table rewrite), label nullable (metadata: NOT
# NULL, a scan; its NOT NULL was dropped by hand, so the drift log has rows
# for the repair to resolve), code without its unique constraint (an index
# build), and a missing column flag with a default. The repair takes several
# seconds (about 7 on 2 cores); the whole test a little over a minute.
#
# The backend is killed three times, at three points of the same repair:
#   rewrite  CRASH_KILL_DELAY seconds (default 1.5) after it took its first
#            ACCESS EXCLUSIVE lock on a managed table: inside the type rewrites;
#   index    while it builds a unique index, after it already built one on
#            another table: every rewrite, SET NOT NULL and ADD COLUMN done;
#   commit   with all its DDL done, while it waits to resolve drift log rows
#            that another session holds locked: only the commit is missing.
# At the kill, the backend must still be running the call, inside the DDL
# (it holds ACCESS EXCLUSIVE locks on managed tables); what it holds is
# printed, with the relations its transaction created (new heaps of the
# rewrites, new indexes). If the repair finished first, the test says so and
# fails (raise CRASH_ROWS). After each crash and restart it asserts:
#   - the killed session lost its connection after the kill, with no result;
#   - the server accepts connections again, and its log shows the backend
#     terminated by signal 9, the reinitialization and the recovery;
#   - each managed table's catalog fingerprint (columns, types, NOT NULL,
#     defaults, constraints, indexes, relfilenodes) is the one from before
#     the repair: all old (all new would mean the killed repair committed;
#     anything else, a half-applied repair);
#   - row counts and content checksums (md5 of the rows ordered by id), and
#     selegic.entity, selegic.field and selegic.drift_log, are as before;
#   - selegic_drift() reports exactly the rows it reported before, and the dry
#     run lists the same statements;
#   - amcheck: bt_index_check(index, true) on every btree index of the managed
#     tables (and their TOAST tables), of the selegic schema and of pg_catalog,
#     and verify_heapam() on the managed tables and the selegic tables.
# Finally selegic_resync_all() runs to completion: it runs the statements of
# the dry run, leaves no fixable selegic_drift() row, a second call runs
# nothing, row counts and checksums of the columns that existed before are
# unchanged, the tables have the new shape, and amcheck passes.
#
#   CRASH_ROWS         rows per table (default 750000)
#   CRASH_KILL_POINTS  kill points, in order (default "rewrite index commit")
#   CRASH_KILL_DELAY   seconds from the first lock to the rewrite kill (1.5)
#   CRASH_PORT         port of the test's cluster (default 5493)
#
# Starts its own cluster with test/pg_cluster.sh (a backend crash restarts
# every session of a cluster, so it must not share the suite's), removed on
# exit. Uses the PostgreSQL of PGBIN, or of pg_config --bindir; the extension
# must be installed there. Run as root or as the postgres OS user (to send
# SIGKILL to the backend).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PGBIN=${PGBIN:-$(pg_config --bindir)}
export PGBIN PATH="$PGBIN:$PATH"
PORT=${CRASH_PORT:-5493}
ROWS=${CRASH_ROWS:-750000}
KILL_DELAY=${CRASH_KILL_DELAY:-1.5}
KILL_POINTS=${CRASH_KILL_POINTS:-rewrite index commit}
DB=selegic_crash
VICTIM_APP=selegic_crash_victim
BLOCKER_APP=selegic_crash_blocker

case "$ROWS" in ''|*[!0-9]*) echo "CRASH_ROWS must be a number" >&2; exit 2 ;; esac

fail=0 pass=0
check() {  # check NAME ok|WHY
    if [ "$2" = ok ]; then echo "PASS $1"; pass=$((pass + 1)); else echo "FAIL $1: $2"; fail=$((fail + 1)); fi
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
started=$(now_ms)

CLUSTER=$(mktemp -d /tmp/selegic_crash.XXXXXX)
WORK=$(mktemp -d /tmp/selegic_crash_work.XXXXXX)
victim= blocker=
cleanup() {
    if [ -n "$victim" ] && kill -0 "$victim" 2>/dev/null; then kill "$victim" 2>/dev/null; fi
    if [ -n "$blocker" ] && kill -0 "$blocker" 2>/dev/null; then kill "$blocker" 2>/dev/null; fi
    "$ROOT/test/pg_cluster.sh" stop "$CLUSTER"
    rm -rf "$CLUSTER" "$WORK"
}
trap cleanup EXIT

unset PGHOST PGPORT PGUSER PGDATABASE PGOPTIONS PGAPPNAME
eval "$("$ROOT/test/pg_cluster.sh" start "$CLUSTER" "$PORT" "restart_after_crash = on")" || exit 1
LOG="$CLUSTER/server.log"

q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $DB" || exit 1

# --- Setup --------------------------------------------------------------------
t0=$(now_ms)
setup_failed=
q >/dev/null <<'SQL' || setup_failed=1
SET client_min_messages = warning;
CREATE EXTENSION selegic_drift;
CREATE EXTENSION amcheck;
CREATE SCHEMA crash;

-- Four entities; in each, n should be bigint, label NOT NULL, code unique,
-- and flag a column with a default (the table lacks it).
INSERT INTO selegic.entity (id, slug, schema_name, table_name)
SELECT ('00000000-0000-0000-0000-' || lpad('e' || k, 12, '0'))::uuid, t, 'crash', t
FROM unnest(ARRAY['accounts', 'orders', 'events', 'items']) WITH ORDINALITY AS x(t, k);
INSERT INTO selegic.field (id, entity_id, slug, column_name, field_type, sql_type,
                           is_nullable, default_expr, is_unique)
SELECT ('00000000-0000-0000-0000-' || lpad('f' || k || j, 12, '0'))::uuid,
       ('00000000-0000-0000-0000-' || lpad('e' || k, 12, '0'))::uuid,
       f.col, f.col, f.ftype, f.sqltype, f.nullable, f.def, f.uniq
FROM generate_series(1, 4) k,
     (VALUES (1, 'n', 'number', 'bigint', true, NULL, false),
             (2, 'code', 'text', 'text', true, NULL, true),
             (3, 'label', 'text', 'text', false, NULL, false),
             (4, 'flag', 'boolean', 'boolean', false, 'false', false))
         AS f(j, col, ftype, sqltype, nullable, def, uniq);
SQL

# The tables, as a DBA left them, one session each. n spans the whole integer
# range, with some NULLs; code has some NULLs (a unique constraint allows
# them); label none, and its NOT NULL is dropped by hand, which leaves a
# manual row in selegic.drift_log that the repair resolves. The primary key
# is added after the load (faster than row by row); VACUUM sets the hint bits
# once, so later reads do not write.
cat >"$WORK/generate.sql" <<'SQL'
SET client_min_messages = warning;
SELECT format($f$CREATE TABLE crash.%1$I (id uuid NOT NULL, n integer, code text, label text NOT NULL)$f$, :'t'),
       format($f$INSERT INTO crash.%1$I
                 SELECT md5(%1$L || i)::uuid,
                        CASE WHEN i %% 101 <> 0 THEN ((i::bigint * 48271) %% 4294967291 - 2147483648)::int END,
                        CASE WHEN i %% 97 <> 0 THEN 'c' || i END,
                        md5(i::text)
                 FROM generate_series(1, %2$s) i$f$, :'t', :rows),
       format('ALTER TABLE crash.%I ADD PRIMARY KEY (id)', :'t'),
       format('ALTER TABLE crash.%I ALTER COLUMN label DROP NOT NULL', :'t'),
       format('VACUUM ANALYZE crash.%I', :'t')
\gexec
SQL
if [ -z "$setup_failed" ]; then
    pids=()
    for t in $(q -c "SELECT table_name FROM selegic.entity ORDER BY 1"); do
        q -v t="$t" -v rows="$ROWS" -f "$WORK/generate.sql" >/dev/null &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || setup_failed=1; done
fi
if [ -n "$setup_failed" ]; then
    echo "FAIL setup"; echo "0 passed, 1 failed"; exit 1
fi
echo "setup: 4 tables of $ROWS rows in $(( ($(now_ms) - t0) / 1000 ))s"

# --- Snapshots ----------------------------------------------------------------
MANAGED="SELECT to_regclass(format('%I.%I', schema_name, table_name)) FROM selegic.entity"

# Catalog fingerprint of every managed table, one line per table.
cat >"$WORK/fingerprint.sql" <<SQL
SELECT format('%s | columns: %s | constraints: %s | indexes: %s | filenode %s',
    c.oid::regclass,
    (SELECT string_agg(format('%s %s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                              CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
                              ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid)), ', ' ORDER BY a.attnum)
     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
    (SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), ', ' ORDER BY conname)
     FROM pg_constraint WHERE conrelid = c.oid),
    (SELECT string_agg(format('%s valid=%s ready=%s @%s', pg_get_indexdef(indexrelid), indisvalid, indisready,
                              pg_relation_filenode(indexrelid)), ', ' ORDER BY pg_get_indexdef(indexrelid))
     FROM pg_index WHERE indrelid = c.oid),
    pg_relation_filenode(c.oid))
FROM pg_class c WHERE c.oid IN ($MANAGED)
ORDER BY c.oid::regclass::text;
SQL

# Counts and checksums over the columns each table has now (before the
# repair), one statement a line, reused after the crashes and the final repair.
q >"$WORK/checksum.sql" <<SQL
SELECT format('SELECT %L, count(*), md5(string_agg(ROW(%s)::text, E''\\n'' ORDER BY %I)) FROM %s;',
              c.oid::regclass::text,
              (SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
               WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped),
              e.primary_key, c.oid::regclass)
FROM selegic.entity e JOIN pg_class c ON c.oid = to_regclass(format('%I.%I', e.schema_name, e.table_name))
ORDER BY 1;
SQL

cat >"$WORK/selegic_state.sql" <<'SQL'
SELECT 'entity ' || count(*) || ' ' || md5(coalesce(string_agg(t::text, E'\n' ORDER BY id), '')) FROM selegic.entity t;
SELECT 'field ' || count(*) || ' ' || md5(coalesce(string_agg(t::text, E'\n' ORDER BY id), '')) FROM selegic.field t;
SELECT 'drift_log ' || count(*) || ' (unresolved ' || count(*) FILTER (WHERE resolved_at IS NULL) || ') '
       || md5(coalesce(string_agg(t::text, E'\n' ORDER BY id), '')) FROM selegic.drift_log t;
SQL

cat >"$WORK/drift.sql" <<'SQL'
SELECT concat_ws(' | ', kind, entity_id, field_id, object, expected, actual, fix)
FROM selegic_drift() ORDER BY object, kind, field_id, expected, actual, fix;
SQL

# amcheck: one line per problem, then a "checked" line.
cat >"$WORK/integrity.sql" <<SQL
CREATE FUNCTION pg_temp.integrity() RETURNS SETOF text LANGUAGE plpgsql AS \$fn\$
DECLARE
  r record;
  v record;
  n_idx int := 0;
  n_rel int := 0;
BEGIN
  FOR r IN
    SELECT i.indexrelid::regclass AS idx
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
    WHERE am.amname = 'btree'
      AND (i.indrelid IN ($MANAGED)
           OR i.indrelid IN (SELECT reltoastrelid FROM pg_class WHERE oid IN ($MANAGED))
           OR c.relnamespace IN ('selegic'::regnamespace, 'pg_catalog'::regnamespace))
    ORDER BY c.relnamespace <> 'pg_catalog'::regnamespace DESC, 1
  LOOP
    BEGIN
      PERFORM bt_index_check(r.idx, true);
      n_idx := n_idx + 1;
    EXCEPTION WHEN OTHERS THEN
      RETURN NEXT format('bt_index_check(%s, true): %s', r.idx, SQLERRM);
    END;
  END LOOP;
  FOR r IN
    SELECT c.oid::regclass AS rel FROM pg_class c
    WHERE c.relkind = 'r' AND (c.oid IN ($MANAGED) OR c.relnamespace = 'selegic'::regnamespace)
    ORDER BY 1
  LOOP
    BEGIN
      FOR v IN SELECT * FROM verify_heapam(r.rel, check_toast => true) LOOP
        RETURN NEXT format('verify_heapam(%s): block %s offset %s attribute %s: %s',
                           r.rel, v.blkno, v.offnum, v.attnum, v.msg);
      END LOOP;
      n_rel := n_rel + 1;
    EXCEPTION WHEN OTHERS THEN
      RETURN NEXT format('verify_heapam(%s): %s', r.rel, SQLERRM);
    END;
  END LOOP;
  RETURN NEXT format('checked %s btree indexes and %s tables', n_idx, n_rel);
END
\$fn\$;
SELECT * FROM pg_temp.integrity();
SQL

# One psql per table, in parallel (the ordered aggregates are the slow part).
checksums() {  # checksums OUTFILE
    local i=0 pids=() stmt
    while IFS= read -r stmt; do
        PGOPTIONS="-c work_mem=256MB" q -c "$stmt" >"$1.part$i" &
        pids+=($!)
        i=$((i + 1))
    done <"$WORK/checksum.sql"
    wait "${pids[@]}"
    sort "$1".part* >"$1"
    rm -f "$1".part*
}

integrity() {  # integrity LABEL
    local out
    out=$(q -f "$WORK/integrity.sql" 2>&1)
    if [ "$(grep -vc '^checked ' <<<"$out")" = 0 ] && grep -q '^checked ' <<<"$out"; then
        check "$1: amcheck ($(grep '^checked ' <<<"$out" | cut -c9-))" ok
    else
        check "$1: amcheck" "$(printf '\n%s' "$out")"
    fi
}

same() {  # same NAME FILE-BEFORE FILE-AFTER
    if cmp -s "$2" "$3"; then check "$1" ok; else check "$1" "$(printf '\n'; diff "$2" "$3" | cut -c1-400 | head -n 40)"; fi
}

q -f "$WORK/fingerprint.sql" >"$WORK/fingerprint.before"
checksums "$WORK/checksum.before"
q -f "$WORK/selegic_state.sql" >"$WORK/selegic.before"
q -f "$WORK/drift.sql" >"$WORK/drift.before"
q -c "SELECT * FROM selegic_resync_all(dry_run => true)" >"$WORK/dryrun.before"
q -c "SELECT pg_database_size(current_database())" >"$WORK/size.before"
# Unresolved manual rows of the label columns (their DROP NOT NULL).
LABEL_ROWS="SELECT count(*) FROM selegic.drift_log WHERE resolved_at IS NULL AND origin = 'manual'
            AND field_id IN (SELECT id FROM selegic.field WHERE column_name = 'label')"
label_rows_before=$(q -c "$LABEL_ROWS")

kinds=$(q -c "SELECT string_agg(kind || '=' || n, ' ' ORDER BY kind) FROM (SELECT kind, count(*) n FROM selegic_drift() GROUP BY 1) s")
echo "before the repair: drift $kinds; $(wc -l <"$WORK/dryrun.before") repair statements"
[ "$kinds" = "missing_column=4 nullability_mismatch=4 type_mismatch=4 unique_mismatch=4" ] &&
    check "scenario: the expected drift" ok || check "scenario: the expected drift" "$kinds"
grep -q 'ALTER COLUMN n TYPE bigint' "$WORK/dryrun.before" && ! grep -q '^-- ' "$WORK/dryrun.before" &&
    check "scenario: the dry run has the type rewrites and no warnings" ok ||
    check "scenario: the dry run" "$(cat "$WORK/dryrun.before")"

# --- Crashes ------------------------------------------------------------------
kill_offsets=()
crash_no=0
for point in $KILL_POINTS; do
    crash_no=$((crash_no + 1))
    label="crash $crash_no ($point)"
    echo "== $label, at $(( ($(now_ms) - started) / 1000 ))s"
    log_offset=$(stat -c %s "$LOG")
    bpid=

    # For the commit point: a session that holds row locks on the drift log
    # rows the repair resolves once its DDL is done, so that it waits there.
    if [ "$point" = commit ]; then
        PGAPPNAME=$BLOCKER_APP psql -X -q -At -d "$DB" -c "BEGIN" \
            -c "SELECT id FROM selegic.drift_log WHERE field_id IN (SELECT id FROM selegic.field WHERE column_name = 'label') FOR UPDATE" \
            -c "SELECT pg_sleep(600)" >/dev/null 2>&1 &
        blocker=$!
        bpid=
        for _ in $(seq 500); do
            bpid=$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$BLOCKER_APP'
                         AND state = 'active' AND query LIKE '%pg_sleep%'")
            [ -n "$bpid" ] && break
            sleep 0.02
        done
    fi

    # The victim: psql's exit status and the time it ended are recorded.
    (
        PGAPPNAME=$VICTIM_APP psql -X -At -d "$DB" -c "SELECT * FROM selegic_resync_all()" \
            >"$WORK/victim.out.$crash_no" 2>"$WORK/victim.err.$crash_no"
        echo "$? $(now_ms)" >"$WORK/victim.end.$crash_no"
    ) &
    victim=$!
    launched=$(now_ms)

    # The victim's backend, once it runs the repair.
    vpid=
    deadline=$((launched + 120000))
    while [ "$(now_ms)" -lt "$deadline" ] && kill -0 "$victim" 2>/dev/null; do
        vpid=$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$VICTIM_APP'
                     AND state = 'active' AND query LIKE '%selegic_resync_all%'")
        [ -n "$vpid" ] && break
        sleep 0.02
    done
    # Inside the repair: it holds an ACCESS EXCLUSIVE lock on a managed table.
    locked_at=
    while [ -n "$vpid" ] && [ "$(now_ms)" -lt "$deadline" ] && kill -0 "$victim" 2>/dev/null; do
        n=$(q -c "SELECT count(*) FROM pg_locks WHERE pid = $vpid AND granted AND mode = 'AccessExclusiveLock'
                  AND relation IN ($MANAGED)")
        if [ "${n:-0}" -gt 0 ]; then locked_at=$(now_ms); break; fi
        sleep 0.02
    done
    # The kill point.
    ready=
    if [ -n "$locked_at" ]; then
        case "$point" in
        rewrite)
            sleep "$KILL_DELAY"
            ready=1
            ;;
        index)
            first_index_table=
            while [ "$(now_ms)" -lt "$deadline" ] && kill -0 "$victim" 2>/dev/null; do
                rel=$(q -c "SELECT relid FROM pg_stat_progress_create_index WHERE pid = $vpid")
                if [ -n "$rel" ]; then
                    if [ -z "$first_index_table" ]; then first_index_table=$rel
                    elif [ "$rel" != "$first_index_table" ]; then ready=1; break; fi
                fi
                sleep 0.02
            done
            ;;
        commit)
            while [ -n "$bpid" ] && [ "$(now_ms)" -lt "$deadline" ] && kill -0 "$victim" 2>/dev/null; do
                w=$(q -c "SELECT wait_event FROM pg_stat_activity
                          WHERE pid = $vpid AND wait_event_type = 'Lock' AND $bpid = ANY (pg_blocking_pids(pid))")
                if [ "$w" = transactionid ]; then ready=1; break; fi
                sleep 0.02
            done
            ;;
        *) echo "unknown kill point $point" >&2 ;;
        esac
    fi
    # What the backend is doing at the kill, then the kill.
    # Relations its transaction created (new heaps of the rewrites, new
    # indexes) are locked by it and invisible to others: the repair is under
    # way and has not committed.
    state=
    if [ -n "$ready" ]; then
        state=$(q -c "SELECT format('state %s, %s ACCESS EXCLUSIVE locks on managed tables, %s uncommitted relations created%s',
                        a.state,
                        (SELECT count(*) FROM pg_locks l WHERE l.pid = a.pid AND l.granted AND l.mode = 'AccessExclusiveLock'
                         AND l.relation IN ($MANAGED)),
                        (SELECT count(*) FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'relation'
                         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                         AND NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = l.relation)),
                        coalesce((SELECT format(', building an index on %s (%s, %s of %s tuples)', p.relid::regclass,
                                                p.phase, p.tuples_done, p.tuples_total)
                                  FROM pg_stat_progress_create_index p WHERE p.pid = a.pid), '')
                        || CASE WHEN a.wait_event_type = 'Lock'
                                THEN format(', waiting for a %s lock held by %s', a.wait_event, pg_blocking_pids(a.pid))
                                ELSE '' END)
                      FROM pg_stat_activity a WHERE a.pid = $vpid AND a.state = 'active'")
    fi
    killed=
    if [ -n "$state" ] && kill -9 "$vpid"; then
        killed=$(now_ms)
        kill_offsets+=($((killed - locked_at)))
        echo "   killed backend $vpid $((killed - launched)) ms after the call, $((killed - locked_at)) ms after its first lock: $state"
    fi
    wait "$victim"
    victim=
    if [ -n "$blocker" ]; then
        # The crash restart ended its session too (or, with no kill, end it).
        [ -z "$killed" ] && [ -n "$bpid" ] && q -c "SELECT pg_terminate_backend($bpid)" >/dev/null
        wait "$blocker"
        blocker=
    fi
    read -r victim_rc victim_end <"$WORK/victim.end.$crash_no"
    if [ -z "$killed" ]; then
        check "$label: backend killed mid-repair" "NO KILL: backend pid '${vpid}', lock at '${locked_at}', kill point reached '${ready}'; psql exited $victim_rc $((victim_end - launched)) ms after the call with $(wc -l <"$WORK/victim.out.$crash_no") rows: $(head -c 300 "$WORK/victim.err.$crash_no"). The repair probably finished before the kill point: raise CRASH_ROWS"
        echo "test aborted: nothing was tested"
        echo "$pass passed, $fail failed"
        exit 1
    fi
    locks=$(sed -n 's/^state active, \([0-9]*\) ACCESS EXCLUSIVE locks.*/\1/p' <<<"$state")
    [ "${locks:-0}" -gt 0 ] &&
        check "$label: killed while running the repair's DDL" ok ||
        check "$label: killed while running the repair's DDL" "it held no lock on a managed table: $state"
    if [ "$victim_end" -lt "$killed" ]; then
        check "$label: the killed session ended with the kill" "REPAIR FINISHED BEFORE THE KILL: psql ended $((killed - victim_end)) ms before it (exit $victim_rc, $(wc -l <"$WORK/victim.out.$crash_no") rows)"
    elif [ "$victim_rc" -ne 0 ] && [ ! -s "$WORK/victim.out.$crash_no" ] &&
        grep -q 'server closed the connection unexpectedly\|connection to server was lost' "$WORK/victim.err.$crash_no"; then
        check "$label: the killed session lost its connection $((victim_end - killed)) ms after the kill, with no result" ok
    else
        check "$label: the killed session got no result" "psql exited $victim_rc, output: $(head -c 300 "$WORK/victim.out.$crash_no") $(head -c 300 "$WORK/victim.err.$crash_no")"
    fi

    # The postmaster's crash restart.
    restarted=
    deadline=$(($(now_ms) + 60000))
    while [ "$(now_ms)" -lt "$deadline" ]; do
        if tail -c +"$((log_offset + 1))" "$LOG" | grep -q 'database system is ready to accept connections' &&
            psql -X -At -d "$DB" -c "SELECT 1" >/dev/null 2>&1; then
            restarted=$(now_ms); break
        fi
        sleep 0.1
    done
    tail -c +"$((log_offset + 1))" "$LOG" >"$WORK/log.$crash_no"
    if [ -n "$restarted" ]; then
        check "$label: server accepts connections again ($((restarted - killed)) ms after the kill)" ok
    else
        check "$label: server accepts connections again" "not within 60 s; log: $(tail -n 20 "$WORK/log.$crash_no")"
        break
    fi
    missing=
    for line in "server process (PID $vpid) was terminated by signal 9" \
        "all server processes terminated; reinitializing" \
        "database system was not properly shut down; automatic recovery in progress" \
        "database system is ready to accept connections"; do
        grep -qF "$line" "$WORK/log.$crash_no" || missing+="[$line] "
    done
    [ -z "$missing" ] && check "$label: server log shows the SIGKILL, the reinitialization and the recovery" ok ||
        check "$label: server log" "missing $missing; log: $(cat "$WORK/log.$crash_no")"
    # (Recovery's "invalid record length" / "invalid magic number" line is
    # just where the WAL ends.)
    if grep -E 'PANIC|ERROR|could not|corrupt' "$WORK/log.$crash_no" >"$WORK/odd.$crash_no"; then
        echo "   NOTE: unusual server log lines:"; sed 's/^/     /' "$WORK/odd.$crash_no"
    fi

    # Nothing of the killed repair is left.
    q -f "$WORK/fingerprint.sql" >"$WORK/fingerprint.crash$crash_no"
    same "$label: catalog fingerprint of every managed table is the one from before" \
        "$WORK/fingerprint.before" "$WORK/fingerprint.crash$crash_no"
    checksums "$WORK/checksum.crash$crash_no"
    same "$label: row counts and checksums unchanged" "$WORK/checksum.before" "$WORK/checksum.crash$crash_no"
    q -f "$WORK/selegic_state.sql" >"$WORK/selegic.crash$crash_no"
    same "$label: selegic.entity, selegic.field and selegic.drift_log unchanged" \
        "$WORK/selegic.before" "$WORK/selegic.crash$crash_no"
    q -f "$WORK/drift.sql" >"$WORK/drift.crash$crash_no"
    same "$label: selegic_drift() reports the same rows as before" "$WORK/drift.before" "$WORK/drift.crash$crash_no"
    q -c "SELECT * FROM selegic_resync_all(dry_run => true)" >"$WORK/dryrun.crash$crash_no"
    same "$label: the dry run lists the same statements" "$WORK/dryrun.before" "$WORK/dryrun.crash$crash_no"
    integrity "$label"
    # Not a failure: crash recovery does not remove the files of relations a
    # transaction created before the crash (PostgreSQL's behaviour).
    orphans=$(q -c "SELECT format('%s files, %s', count(*), pg_size_pretty(coalesce(sum((pg_stat_file(dir || '/' || f)).size), 0)))
                    FROM (SELECT 'base/' || oid AS dir FROM pg_database WHERE datname = current_database()) d,
                         pg_ls_dir(d.dir) f
                    WHERE f ~ '^[0-9]+(\.[0-9]+)?$'
                      AND substring(f FROM '^[0-9]+')::oid NOT IN
                          (SELECT pg_relation_filenode(oid) FROM pg_class WHERE pg_relation_filenode(oid) IS NOT NULL)")
    size=$(q -c "SELECT pg_size_pretty(pg_database_size(current_database()) - $(cat "$WORK/size.before"))")
    echo "   left by the killed transactions so far: orphaned relation files ($orphans); the database grew by $size"
done

# --- The complete repair ------------------------------------------------------
echo "== complete repair, at $(( ($(now_ms) - started) / 1000 ))s"
t0=$(now_ms)
if q -c "SELECT * FROM selegic_resync_all()" >"$WORK/repair.out" 2>"$WORK/repair.err"; then
    full_ms=$(($(now_ms) - t0))
    check "selegic_resync_all() runs to completion (${full_ms} ms)" ok
else
    full_ms=
    check "selegic_resync_all() runs to completion" "$(cat "$WORK/repair.err")"
fi
same "the repair ran the statements of the dry run" "$WORK/dryrun.before" "$WORK/repair.out"
# Table by table, was the schema after each crash the old one, the new one
# (the killed repair committed: relfilenodes aside, as the complete repair
# made new ones) or neither (half a repair)?
q -f "$WORK/fingerprint.sql" >"$WORK/fingerprint.after"
no_filenodes() { sed -E 's/ @[0-9]+//g; s/ \| filenode [0-9]+$//' "$1"; }
for ((i = 1; i <= crash_no; i++)); do
    [ -f "$WORK/fingerprint.crash$i" ] || continue
    verdict=$(paste -d '\n' "$WORK/fingerprint.before" <(no_filenodes "$WORK/fingerprint.after") \
                  "$WORK/fingerprint.crash$i" <(no_filenodes "$WORK/fingerprint.crash$i") |
        awk 'NR % 4 == 1 { old = $0 } NR % 4 == 2 { new = $0 } NR % 4 == 3 { crash = $0 }
             NR % 4 == 0 { t = crash; sub(/ \|.*/, "", t)
                           printf "%s %s; ", t, (crash == old ? "old" : ($0 == new ? "NEW" : "MIXED")) }')
    if ! grep -q 'NEW\|MIXED' <<<"$verdict" && [ "$(wc -l <"$WORK/fingerprint.crash$i")" = 4 ]; then
        check "crash $i: every table's schema after the crash entirely old" ok
    else
        check "crash $i: every table's schema after the crash entirely old" \
            "$verdict(NEW: the killed repair committed; MIXED: half a repair is left)"
    fi
done
fixable=$(q -c "SELECT count(*) FROM selegic_drift() WHERE fix IS NOT NULL")
[ "$fixable" = 0 ] && check "selegic_drift() has no fixable row left" ok ||
    check "selegic_drift() has no fixable row left" "$fixable: $(q -f "$WORK/drift.sql")"
rest=$(q -f "$WORK/drift.sql")
[ -n "$rest" ] && echo "   selegic_drift() still reports (no fix): $rest"
again=$(q -c "SELECT count(*) FROM selegic_resync_all()")
[ "$again" = 0 ] && check "a second selegic_resync_all() runs nothing" ok ||
    check "a second selegic_resync_all() runs nothing" "$again statements"
checksums "$WORK/checksum.after"
same "row counts and checksums of the columns that existed before unchanged" "$WORK/checksum.before" "$WORK/checksum.after"
newshape=$(q -c "SELECT string_agg(DISTINCT format('%s %s%s', attname, format_type(atttypid, atttypmod),
                                                  CASE WHEN attnotnull THEN ' NOT NULL' END), ', ')
                 FROM pg_attribute WHERE attrelid IN ($MANAGED) AND attname IN ('n', 'label', 'flag') AND NOT attisdropped")
uniques=$(q -c "SELECT count(*) FROM pg_constraint WHERE contype = 'u' AND conrelid IN ($MANAGED)")
[ "$newshape" = "flag boolean NOT NULL, label text NOT NULL, n bigint" ] && [ "$uniques" = 4 ] &&
    check "the tables have the new shape" ok || check "the tables have the new shape" "$newshape; $uniques unique constraints"
integrity "after the repair"
# The manual DROP NOT NULL rows: resolved by the complete repair. (The
# killed repairs never got to write them: the commit kill came as it waited
# to; the drift log compared after each crash shows nothing was written.)
label_rows=$(q -c "$LABEL_ROWS")
[ "$label_rows" = 0 ] && [ "$label_rows_before" -ge 4 ] &&
    check "the repair resolved the $label_rows_before manual drift_log rows of the label columns" ok ||
    check "the repair resolved the manual drift_log rows of the label columns" "$label_rows_before before, $label_rows after"

# For the record: where the kills fell in a repair's run time (the killed runs
# follow a crash and are slower; the checks above are what prove the kills
# came mid-repair).
[ -n "$full_ms" ] && echo "kills ${kill_offsets[*]} ms after the repair's first lock; an uninterrupted repair took ${full_ms} ms"

echo "runtime $(( ($(now_ms) - started) / 1000 ))s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
