#!/usr/bin/env bash
# DDL capture overhead (issue 4): backend CPU time of a fixed batch of 2,000
# DDL statements on managed tables and 2,000 on unmanaged ones, in
#   (a)  no extension
#   (b)  selegic_drift, with metadata describing the managed tables (200 entities)
#   (b+h) the same, with ten batches' worth of earlier rows in selegic.drift_log
#   (c)  a PL/pgSQL event trigger logging pg_event_trigger_ddl_commands()
#   (d)  pgaudit with pgaudit.log = 'ddl' (if the pgaudit package is installed)
# each in its own database of one throwaway cluster that preloads pgaudit, and
#   (a0) no extension, in a second cluster that preloads nothing
# so that the cost of merely preloading pgaudit is visible. See
# docs/benchmarks.md, "DDL capture overhead".
#
#   test/bench/ddl_overhead.sh [--reps N] [--out FILE] [--paired] [--profile]
#                              [--tmpdir DIR] [--keep]
#
#   --reps N    measured rounds after one warm-up round (default 15, >= 5)
#   --out FILE  also write the result table (Markdown) to FILE
#   --profile   after the series, run (b) managed, (b) unmanaged and (b+h)
#               managed once more under `perf record --call-graph dwarf` and
#               print where the backend spent its time
#   --paired    after the series, split the capture's cost finely in (b)'s
#               database: 100-statement chunks run alternately with its event
#               triggers enabled and disabled (and other variants) in one
#               session; per-statement differences of paired chunks
#   --tmpdir DIR  where the work directory (clusters included) goes; default
#               /dev/shm when it is a usable tmpfs, else $TMPDIR or /tmp
#   --keep      keep the work directory (samples, logs, profiles)
#
# Run as root (the clusters run as the postgres OS user) or as postgres. The
# extension must be installed (make && make install). Takes about 3 minutes
# (15 rounds) on 2 CPUs; --paired and --profile add under a minute.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
DDL=$HERE/ddl
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
REPS=15
OUT=
PROFILE=0
PAIRED=0
BASE=
KEEP=0
N_TABLES=200          # x 10 statements per table = 2,000 statements per batch
HISTORY_COPIES=10     # (b+h): drift_log holds this many copies of one managed batch's rows

usage() { sed -n '2,32p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --reps) REPS=$2; shift 2 ;;
        --reps=*) REPS=${1#--reps=}; shift ;;
        --out) OUT=$2; shift 2 ;;
        --out=*) OUT=${1#--out=}; shift ;;
        --profile) PROFILE=1; shift ;;
        --paired) PAIRED=1; shift ;;
        --tmpdir) BASE=$2; shift 2 ;;
        --tmpdir=*) BASE=${1#--tmpdir=}; shift ;;
        --keep) KEEP=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "ddl_overhead.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
[[ "$REPS" =~ ^[0-9]+$ ]] && [ "$REPS" -ge 5 ] || { echo "ddl_overhead.sh: --reps must be >= 5" >&2; exit 2; }

case "$(id -un)" in
    root|postgres) ;;
    *) echo "ddl_overhead.sh: run as root or as the postgres OS user" >&2; exit 1 ;;
esac
[ -x "$PGBIN/postgres" ] || { echo "ddl_overhead.sh: no PostgreSQL server binaries in $PGBIN (set PGBIN)" >&2; exit 1; }
export PATH="$PGBIN:$PATH"
SHAREDIR=$(pg_config --sharedir)
PKGLIBDIR=$(pg_config --pkglibdir)
SO=$PKGLIBDIR/selegic_drift.so
if [ ! -f "$SHAREDIR/extension/selegic_drift.control" ] || [ ! -f "$SO" ]; then
    echo "ddl_overhead.sh: selegic_drift is not installed; first: cd $REPO && make && make install" >&2
    exit 1
fi
if [ -f "$PKGLIBDIR/pgaudit.so" ] && [ -f "$SHAREDIR/extension/pgaudit.control" ]; then
    HAVE_PGAUDIT=1
    CONFIGS=(a0 a b bh c d)
else
    HAVE_PGAUDIT=0
    CONFIGS=(a0 a b bh c)
    echo "ddl_overhead.sh: pgaudit is not installed (apt-get install -y postgresql-15-pgaudit): skipping (d)" >&2
fi

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# On tmpfs by default: CREATE INDEX and DROP INDEX create and unlink files, and
# on ext4 the kernel's share of that (inode allocation) varied from database to
# database and run to run by about 10%, more than the differences measured.
if [ -z "$BASE" ]; then
    BASE=${TMPDIR:-/tmp}
    if [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] &&
        ! findmnt -no OPTIONS /dev/shm 2>/dev/null | grep -qw noexec; then
        BASE=/dev/shm
    fi
fi
WORK=$(mktemp -d "$BASE/selegic_ddl_bench.XXXXXX")
chmod 755 "$WORK"
CL_A=$WORK/cluster_a    # (a), (b), (c), (d): pgaudit preloaded
CL_B=$WORK/cluster_b    # (a0): nothing preloaded
cleanup() {
    local rc=$?
    "$REPO/test/pg_cluster.sh" stop "$CL_A" >/dev/null 2>&1 || true
    "$REPO/test/pg_cluster.sh" stop "$CL_B" >/dev/null 2>&1 || true
    if [ "$KEEP" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A copy of the installed library, which (b) and (b+h) load instead of
# $libdir/selegic_drift: a `make install` during the run cannot mix builds.
mkdir -m 755 "$WORK/lib"
cp "$SO" "$WORK/lib/selegic_drift.so"
chmod 755 "$WORK/lib/selegic_drift.so"
SO_MD5=$(md5sum "$WORK/lib/selegic_drift.so" | cut -c1-12)

# Same settings in both clusters: no autovacuum (the catalogs are vacuumed
# between rounds instead, outside the measurement), no checkpoints or full-page
# images in the middle of a batch.
COMMON_CONF=("autovacuum = off" "full_page_writes = off" "checkpoint_timeout = '1h'"
             "max_wal_size = '1GB'" "jit = off")
PRELOAD=()
[ "$HAVE_PGAUDIT" = 0 ] || PRELOAD=("shared_preload_libraries = 'pgaudit'")
log "clusters in $WORK"
"$REPO/test/pg_cluster.sh" start "$CL_A" 5491 "${COMMON_CONF[@]}" "${PRELOAD[@]}" >/dev/null
"$REPO/test/pg_cluster.sh" start "$CL_B" 5492 "${COMMON_CONF[@]}" >/dev/null

host_of() { if [ "$1" = a0 ]; then echo "$CL_B 5492"; else echo "$CL_A 5491"; fi; }
db_of() { echo "bench_$1"; }
psql_cfg() {  # psql_cfg CONFIG [psql args...]
    local cfg=$1; shift
    local hp; hp=$(host_of "$cfg")
    psql -X -q -v ON_ERROR_STOP=1 -h "${hp% *}" -p "${hp#* }" -U postgres -d "$(db_of "$cfg")" "$@"
}

# ------------------------------------------------------------ setup
for cfg in "${CONFIGS[@]}"; do
    hp=$(host_of "$cfg")
    psql -X -q -v ON_ERROR_STOP=1 -h "${hp% *}" -p "${hp#* }" -U postgres -d postgres \
        -c "CREATE DATABASE $(db_of "$cfg")"
    psql_cfg "$cfg" -v n_tables=$N_TABLES -f "$DDL/schema.sql" >/dev/null
    case "$cfg" in
        b|bh) psql_cfg "$cfg" -c "CREATE EXTENSION selegic_drift" \
               -c "UPDATE pg_catalog.pg_proc SET probin = '$WORK/lib/selegic_drift'
                   WHERE probin = '\$libdir/selegic_drift'" >/dev/null
           psql_cfg "$cfg" -v n_tables=$N_TABLES -f "$DDL/metadata.sql" >/dev/null
           n_drift=$(psql_cfg "$cfg" -At -c "SELECT count(*) FROM selegic_drift()")
           [ "$n_drift" = 0 ] || { echo "ddl_overhead.sh: metadata and catalog of ($cfg) are not in sync ($n_drift drift rows)" >&2; exit 1; } ;;
        c) psql_cfg c -f "$DDL/plpgsql_trigger.sql" >/dev/null ;;
        d) psql_cfg d -f "$DDL/pgaudit.sql" >/dev/null ;;
    esac
done
# The capture runs, from the copy of the library only.
loaded=$(psql_cfg b -At <<'EOF'
SELECT pg_backend_pid() AS pid \gset
ALTER TABLE plain.item_001 ALTER COLUMN note SET DEFAULT 'check';
ALTER TABLE plain.item_001 ALTER COLUMN note DROP DEFAULT;
\setenv BENCH_PID :pid
\! awk '/selegic_drift/ { print $6 }' /proc/$BENCH_PID/maps | sort -u
EOF
)
[ "$loaded" = "$WORK/lib/selegic_drift.so" ] ||
    { echo "ddl_overhead.sh: (b) loaded '$loaded', not $WORK/lib/selegic_drift.so" >&2; exit 1; }
log "setup done: ${CONFIGS[*]}, $N_TABLES managed + $N_TABLES unmanaged tables each"

for kind in managed unmanaged; do
    schema=app; [ "$kind" = managed ] || schema=plain
    psql_cfg a -At -v schema=$schema -v n_tables=$N_TABLES -f "$DDL/gen_batch.sql" >"$WORK/batch_$kind.sql"
    n=$(grep -c . "$WORK/batch_$kind.sql")
    [ "$n" = $((N_TABLES * 10)) ] || { echo "ddl_overhead.sh: batch_$kind.sql has $n statements" >&2; exit 1; }
    # Warm-up in the same session, before the first stamp: loads the
    # extension's library and builds its cache of managed objects (b),
    # compiles the PL/pgSQL functions (c), and so on, in every configuration.
    cat >"$WORK/warmup_$kind.sql" <<EOF
ALTER TABLE $schema.item_001 ALTER COLUMN note SET DEFAULT 'warm-up';
ALTER TABLE $schema.item_001 ALTER COLUMN note DROP DEFAULT;
EOF
    cat >"$WORK/run_$kind.sql" <<EOF
SELECT pg_backend_pid() AS pid \\gset
\\setenv BENCH_PID :pid
\\i $WORK/warmup_$kind.sql
\\! "\$BENCH_STAMP" start
\\i $WORK/batch_$kind.sql
\\! "\$BENCH_STAMP" end
EOF
done
STATEMENTS=$((N_TABLES * 10))

# (b+h): a log with history. One managed batch, unmeasured, writes real rows;
# HISTORY_COPIES copies of them, dated earlier, are kept in public.bench_history
# and put back into the log before every round. Nothing is resolved: a log in
# the default 'log' mode that nobody has acknowledged yet.
psql_cfg bh -c "TRUNCATE selegic.drift_log" -f "$WORK/batch_managed.sql"
psql_cfg bh -c "
    CREATE TABLE public.bench_history AS
    SELECT gen_random_uuid() AS id, database_name, occurred_at - g * interval '1 day' AS occurred_at,
           origin, command_tag, action, object_identity, entity_id, field_id, old_name, new_name,
           session_user_name, current_user_name, application_name, client_addr, backend_pid,
           transaction_id, query, resolved_at, resolution
    FROM selegic.drift_log, generate_series(1, $HISTORY_COPIES) AS g"
HISTORY_ROWS=$(psql_cfg bh -At -c "SELECT count(*) FROM public.bench_history")
log "(b+h): $HISTORY_ROWS rows of history in selegic.drift_log"

export BENCH_STAMP=$DDL/stamp.sh BENCH_OUT=$WORK/samples.txt
: >"$BENCH_OUT"
run_batch() {  # run_batch ROUND CONFIG KIND
    BENCH_LABEL="$1 $2 $3" psql_cfg "$2" -f "$WORK/run_$3.sql" 2>>"$WORK/client_$2.log"
}

# Between rounds, outside the measurement: empty the logs, vacuum, checkpoint,
# so every round starts from the same state.
maintain() {
    for cfg in "${CONFIGS[@]}"; do
        case "$cfg" in
            b) psql_cfg b -c "TRUNCATE selegic.drift_log" ;;
            bh) psql_cfg bh -c "TRUNCATE selegic.drift_log" \
                    -c "INSERT INTO selegic.drift_log SELECT * FROM public.bench_history" ;;
            c) psql_cfg c -c "TRUNCATE audit.ddl_log" ;;
        esac
        psql_cfg "$cfg" -c "VACUUM" -c "CHECKPOINT"
    done
}

count_captured() {  # rows or lines each capturing configuration wrote this round
    local out="" n
    n=$(psql_cfg b -At -c "SELECT count(*) FROM selegic.drift_log"); out+="b=$n "
    n=$(psql_cfg bh -At -c "SELECT count(*) - $HISTORY_ROWS FROM selegic.drift_log"); out+="bh=$n "
    n=$(psql_cfg c -At -c "SELECT count(*) FROM audit.ddl_log"); out+="c=$n "
    if [ "$HAVE_PGAUDIT" = 1 ]; then
        n=$(grep -c 'AUDIT: SESSION,' "$CL_A/server.log" || true)
        out+="d=$((n - AUDIT_SEEN))"; AUDIT_SEEN=$n
    fi
    echo "$out"
}

# ------------------------------------------------------------ series
# Round 0 is a warm-up and is not reported. In round r the configurations run
# in an order rotated by r, and managed/unmanaged alternate which goes first.
maintain
AUDIT_SEEN=$(grep -c 'AUDIT: SESSION,' "$CL_A/server.log" || true)
n_cfg=${#CONFIGS[@]}
for ((r = 0; r <= REPS; r++)); do
    order=()
    for ((i = 0; i < n_cfg; i++)); do
        cfg=${CONFIGS[$(((i + r) % n_cfg))]}
        if ((r % 2 == 0)); then order+=("$cfg managed" "$cfg unmanaged"); else order+=("$cfg unmanaged" "$cfg managed"); fi
    done
    t0=$(date +%s)
    for item in "${order[@]}"; do
        run_batch "$r" $item
    done
    log "round $r/$REPS done in $(($(date +%s) - t0))s; captured rows/lines: $(count_captured)"
    maintain
done

n_warn=$(cat "$WORK"/client_*.log 2>/dev/null | grep -c WARNING || true)
[ "$n_warn" = 0 ] || log "WARNING: $n_warn warnings from the sessions (see client_*.log; --keep to look)"

# ------------------------------------------------------------ results
# Loaded into a scratch database of cluster (a0) and reduced there.
psql -X -q -v ON_ERROR_STOP=1 -h "$CL_B" -p 5492 -U postgres -d postgres -c "CREATE DATABASE bench_results"
results_sql() { psql -X -q -v ON_ERROR_STOP=1 -h "$CL_B" -p 5492 -U postgres -d bench_results "$@"; }
results_sql <<EOF
CREATE TABLE stamp (round int, config text, kind text, mark text, wall_ns bigint, cpu_ns bigint, ticks bigint);
\\copy stamp FROM '$BENCH_OUT' WITH (FORMAT text, DELIMITER ' ')
CREATE TABLE sample AS
SELECT s.round, s.config, s.kind,
       (e.cpu_ns - s.cpu_ns) / 1e6 AS cpu_ms,
       (e.ticks - s.ticks) * 1000.0 / $(getconf CLK_TCK) AS tick_ms,
       (e.wall_ns - s.wall_ns) / 1e6 AS wall_ms
FROM stamp s JOIN stamp e USING (round, config, kind)
WHERE s.mark = 'start' AND e.mark = 'end' AND s.round > 0;
CREATE TABLE summary AS
SELECT config, kind,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY cpu_ms) AS cpu_ms,
       min(cpu_ms) AS cpu_min, max(cpu_ms) AS cpu_max,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY tick_ms) AS tick_ms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY wall_ms) AS wall_ms,
       count(*) AS n
FROM sample GROUP BY config, kind;
-- Paired: the ratio to (a) in the same round, so drift of the machine cancels.
CREATE TABLE paired AS
SELECT x.config, x.kind,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY x.cpu_ms / a.cpu_ms) AS ratio_med,
       min(x.cpu_ms / a.cpu_ms) AS ratio_min, max(x.cpu_ms / a.cpu_ms) AS ratio_max,
       count(*) FILTER (WHERE x.cpu_ms > a.cpu_ms) AS n_slower, count(*) AS n
FROM sample x JOIN sample a ON a.round = x.round AND a.kind = x.kind AND a.config = 'a'
GROUP BY x.config, x.kind;
EOF

label() {
    case "$1" in
        a0) echo "(a0) no extension, nothing preloaded (2nd cluster)" ;;
        a) echo "(a) no extension" ;;
        b) echo "(b) selegic_drift, 200 entities" ;;
        bh) echo "(b+h) selegic_drift, $(echo "$HISTORY_ROWS" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta') earlier rows in drift_log" ;;
        c) echo "(c) PL/pgSQL event trigger" ;;
        d) echo "(d) pgaudit, pgaudit.log = 'ddl'" ;;
    esac
}

report() {
    local pgver commit
    pgver=$(postgres --version)
    commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
    git -C "$REPO" diff --quiet HEAD 2>/dev/null || commit="$commit (working tree with uncommitted changes)"
    echo "DDL capture overhead, $(date -u +%Y-%m-%d), commit $commit (selegic_drift.so md5 $SO_MD5...), $pgver, $(nproc) CPUs,"
    echo "clusters on $(stat -f -c %T "$WORK") ($BASE);"
    echo "backend CPU ms per batch of $STATEMENTS DDL statements, median of $REPS rounds after 1 warm-up round"
    echo
    echo "| configuration | managed: CPU ms | vs (a) | unmanaged: CPU ms | vs (a) | managed: wall ms | unmanaged: wall ms |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for cfg in "${CONFIGS[@]}"; do
        results_sql -At -F '|' -c "
            SELECT round(m.cpu_ms::numeric, 0), to_char(m.cpu_ms / am.cpu_ms, 'FM990.000'),
                   round(u.cpu_ms::numeric, 0), to_char(u.cpu_ms / au.cpu_ms, 'FM990.000'),
                   round(m.wall_ms::numeric, 0), round(u.wall_ms::numeric, 0)
            FROM summary m, summary u, summary am, summary au
            WHERE m.config = '$cfg' AND m.kind = 'managed' AND u.config = '$cfg' AND u.kind = 'unmanaged'
              AND am.config = 'a' AND am.kind = 'managed' AND au.config = 'a' AND au.kind = 'unmanaged'" |
            while IFS='|' read -r mc mr uc ur mw uw; do
                printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$(label "$cfg")" "$mc" "${mr}x" "$uc" "${ur}x" "$mw" "$uw"
            done
    done
    echo
    echo "Per round, the ratio to (a) in the same round (median [min - max]) and in how many rounds it was above"
    echo "(a); extra backend CPU per statement against (a) in microseconds (from the medians); the spread of the"
    echo "CPU time itself (min - max ms):"
    echo
    echo "| configuration | managed: ratio to (a) per round | above (a) | +us/stmt | CPU ms min - max | unmanaged: ratio to (a) per round | above (a) | +us/stmt | CPU ms min - max |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for cfg in "${CONFIGS[@]}"; do
        [ "$cfg" != a ] || continue
        results_sql -At -F '|' -c "
            SELECT string_agg(format('%s [%s - %s]', to_char(p.ratio_med, 'FM990.000'), to_char(p.ratio_min, 'FM990.000'),
                                     to_char(p.ratio_max, 'FM990.000'))
                              || '|' || format('%s/%s', p.n_slower, p.n)
                              || '|' || to_char((s.cpu_ms - a.cpu_ms) * 1000 / $STATEMENTS, 'FM99990.0')
                              || '|' || format('%s - %s', round(s.cpu_min::numeric), round(s.cpu_max::numeric)),
                              '|' ORDER BY p.kind)
            FROM paired p JOIN summary s USING (config, kind) JOIN summary a ON a.kind = p.kind AND a.config = 'a'
            WHERE p.config = '$cfg'" |
            while IFS='|' read -r mr mn md ms ur un ud us; do
                printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(label "$cfg")" "$mr" "$mn" "$md" "$ms" "$ur" "$un" "$ud" "$us"
            done
    done
    echo
    echo "Cross-check, utime+stime from /proc/<pid>/stat (10 ms ticks), median ms managed / unmanaged:"
    results_sql -At -F ' ' -c "
        SELECT string_agg(config || ' ' || round(tick_ms::numeric) || ' / ' ||
                          (SELECT round(u.tick_ms::numeric) FROM summary u WHERE u.config = s.config AND u.kind = 'unmanaged'),
                          ', ' ORDER BY config)
        FROM summary s WHERE kind = 'managed'"
}
report
[ -z "$OUT" ] || report >"$OUT"

# ------------------------------------------------------------ paired
# Finer than the series: in one session of (b)'s database, each 100-statement
# chunk of a batch (10 tables x the 10 statements) runs once in every mode, in
# an order that rotates from chunk to chunk, and the CPU time of each mode is
# compared with the 'off' run of the same chunk. Modes:
#   off     the extension's event triggers disabled (= no event trigger at all)
#   on      enabled, as installed
#   noop    instead of them, a PL/pgSQL event trigger with an empty body on
#           ddl_command_end and sql_drop: what any event trigger costs
#   invoker the extension's, with SECURITY INVOKER and no SET search_path
# Before each chunk the drift log is emptied (so a rebuild of the cache of
# managed objects reads at most 100 log rows, fewer than in the series).
paired_experiment() {  # paired_experiment NAME LABEL CHUNK_DIR MODES...
    local name=$1 label=$2 dir=$3; shift 3
    local modes=("$@") n_modes=$# chunk m j pass
    local sql=$WORK/paired_$name.sql out=$WORK/paired_$name.txt
    trig() { local t; for t in ddl_command_end sql_drop table_rewrite; do echo "ALTER EVENT TRIGGER selegic_$t $1;"; done; }
    noop() { echo "ALTER EVENT TRIGGER bench_noop_end $1; ALTER EVENT TRIGGER bench_noop_drop $1;"; }
    fns() {
        local f
        for f in capture_ddl_command_end capture_sql_drop capture_table_rewrite; do
            if [ "$1" = invoker ]; then
                echo "ALTER FUNCTION selegic.$f() RESET search_path; ALTER FUNCTION selegic.$f() SECURITY INVOKER;"
            else
                echo "ALTER FUNCTION selegic.$f() SET search_path = pg_catalog, pg_temp; ALTER FUNCTION selegic.$f() SECURITY DEFINER;"
            fi
        done
    }
    {
        echo 'SELECT pg_backend_pid() AS pid \gset'
        echo '\setenv BENCH_PID :pid'
        echo "\\i $WORK/warmup_unmanaged.sql"
        for pass in 0 1; do
            for chunk in "$dir"/chunk_*; do
                j=${chunk##*_}; j=$((10#$j))
                for ((i = 0; i < n_modes; i++)); do
                    m=${modes[$(((i + j + pass) % n_modes))]}
                    echo "TRUNCATE selegic.drift_log;"
                    case $m in
                        off) trig DISABLE; noop DISABLE ;;
                        on) noop DISABLE; fns definer; trig "ENABLE ALWAYS" ;;
                        noop) trig DISABLE; noop ENABLE ;;
                        invoker) noop DISABLE; fns invoker; trig "ENABLE ALWAYS" ;;
                    esac
                    echo "\\! echo \"$pass.$j $m \$(cut -d' ' -f1 /proc/\$BENCH_PID/schedstat)\""
                    echo "\\i $chunk"
                    echo "\\! echo \"$pass.$j end \$(cut -d' ' -f1 /proc/\$BENCH_PID/schedstat)\""
                done
            done
        done
        noop DISABLE; fns definer; trig "ENABLE ALWAYS"
    } >"$sql"
    psql_cfg b -f "$sql" >"$out"
    # Per (pass, chunk): each mode minus off, in microseconds per statement.
    awk -v name="$label" -v modes="${modes[*]}" '
        $2 != "end" { m = $2; start = $3; next }
        { v[$1, m] = ($3 - start) / 1e3 / 100 }
        END {
            n = split(modes, ms, " ")
            for (k in v) { split(k, kk, SUBSEP); keys[kk[1]] = 1 }
            for (i = 1; i <= n; i++) {
                c = 0
                for (key in keys) if ((key, ms[i]) in v && (key, "off") in v) vals[++c] = (ms[i] == "off") ? v[key, "off"] : v[key, ms[i]] - v[key, "off"]
                # sort vals[1..c]
                for (a = 2; a <= c; a++) { x = vals[a]; b = a - 1; while (b > 0 && vals[b] > x) { vals[b + 1] = vals[b]; b-- } vals[b + 1] = x }
                fmt = (ms[i] == "off") ? "| %s | %s | %.1f | %.1f - %.1f | %d |\n" : "| %s | %s | %+.1f | %+.1f - %+.1f | %d |\n"
                printf fmt, name, ms[i], vals[int(c / 2) + 1], vals[int(c / 4) + 1], vals[int(3 * c / 4) + 1], c
            }
        }' "$out"
}

if [ "$PAIRED" = 1 ]; then
    log "paired chunks in (b)"
    mkdir -p "$WORK/chunks/managed" "$WORK/chunks/unmanaged" "$WORK/chunks/norename"
    split -l 100 -d -a 2 "$WORK/batch_managed.sql" "$WORK/chunks/managed/chunk_"
    split -l 100 -d -a 2 "$WORK/batch_unmanaged.sql" "$WORK/chunks/unmanaged/chunk_"
    # The managed batch with statement 5 (RENAME COLUMN) replaced by a
    # statement that makes no rename: SET STATISTICS on the same column.
    sed -e 's/RENAME COLUMN bench_extra TO bench_renamed/ALTER COLUMN bench_extra SET STATISTICS 100/' \
        -e 's/bench_renamed/bench_extra/g' "$WORK/batch_managed.sql" |
        split -l 100 -d -a 2 - "$WORK/chunks/norename/chunk_"
    psql_cfg b -c "CREATE FUNCTION public.bench_noop() RETURNS event_trigger LANGUAGE plpgsql AS 'BEGIN END'" \
        -c "CREATE EVENT TRIGGER bench_noop_end ON ddl_command_end EXECUTE FUNCTION public.bench_noop()" \
        -c "CREATE EVENT TRIGGER bench_noop_drop ON sql_drop EXECUTE FUNCTION public.bench_noop()" \
        -c "ALTER EVENT TRIGGER bench_noop_end DISABLE" -c "ALTER EVENT TRIGGER bench_noop_drop DISABLE"
    {
        echo
        echo "Paired chunks in (b)'s database: median backend CPU per statement of 'off', and of every other mode"
        echo "minus 'off' on the same chunk, in microseconds (interquartile range; n chunk pairs):"
        echo
        echo "| batch | mode | us/stmt (vs off) | IQR | n |"
        echo "|---|---|---:|---:|---:|"
        paired_experiment unmanaged unmanaged "$WORK/chunks/unmanaged" off on noop invoker
        paired_experiment managed managed "$WORK/chunks/managed" off on noop
        paired_experiment norename "managed, RENAME replaced by SET STATISTICS" "$WORK/chunks/norename" off on
    } | tee "$WORK/paired.md"
    [ -z "$OUT" ] || cat "$WORK/paired.md" >>"$OUT"
fi

# ------------------------------------------------------------ profile
# Inclusive share of the backend's samples (children) in the functions that
# say where the capture's time goes, and the top functions by self time.
PROFILE_SYMBOLS=(
    "EventTriggerDDLCommandEnd|PostgreSQL: running the ddl_command_end triggers"
    "EventTriggerSQLDrop|PostgreSQL: running the sql_drop triggers"
    "fmgr_security_definer|SECURITY DEFINER + SET search_path call wrapper"
    "selegic::pg::detail::run_in_subtransaction|capture inside its subtransaction"
    "selegic::pg::(anonymous namespace)::managed_cache|managed-object cache (rebuild)"
    "selegic::pg::read_all_entities|  of which: read entity + field"
    "selegic::pg::read_renames|  of which: scan drift_log for renames"
    "pg_event_trigger_ddl_commands|pg_event_trigger_ddl_commands()"
    "pg_event_trigger_dropped_objects|pg_event_trigger_dropped_objects()"
    "selegic::pg::(anonymous namespace)::record|write the log rows + NOTIFY"
    "CommitTransactionCommand|commit (whole statement)")
profile_summary() (  # profile_summary PERF_DATA CPU_MS
    set +o pipefail    # head closes its pipe early
    local list="" item
    for item in "${PROFILE_SYMBOLS[@]}"; do list+="${list:+;}$item"; done
    perf report -i "$1" --children --sort symbol --stdio -g none 2>/dev/null |
        awk -v list="$list" -v cpu_ms="$2" '
            BEGIN { n = split(list, items, ";") }
            /^# Samples:/ { samples = $3 }
            /%/ && !/^#/ && index($0, "] ") {
                sym = substr($0, index($0, "] ") + 2); sub(/[ \t-]+$/, "", sym)
                if (!(sym in seen)) seen[sym] = $1 + 0
            }
            END {
                printf "  %s samples; inclusive share of the batch (and ms of its %s ms backend CPU):\n", samples, cpu_ms
                for (i = 1; i <= n; i++) {
                    split(items[i], kv, "|")
                    p = (kv[1] in seen) ? seen[kv[1]] : 0
                    printf "  %6.1f%%  %6.0f ms  %s\n", p, p * cpu_ms / 100, kv[2]
                }
            }'
    echo "  top functions by self time:"
    perf report -i "$1" --no-children --sort dso,symbol --stdio -g none 2>/dev/null |
        grep '%' | grep -v '^#' | head -12 | awk '{ printf "  %s\n", substr($0, 1, 150) }' | sed 's/ *$//'
)

if [ "$PROFILE" = 1 ]; then
    if ! command -v perf >/dev/null; then
        log "no perf: skipping --profile"
    else
        maintain
        for item in "b managed" "b unmanaged" "bh managed"; do
            set -- $item
            export BENCH_PERF_DATA=$WORK/perf_${1}_$2.data
            run_batch profile "$1" "$2"
            unset BENCH_PERF_DATA
            cpu=$(awk -v c="$1" -v k="$2" '$1 == "profile" && $2 == c && $3 == k { v[$4] = $6 }
                                           END { printf "%.0f", (v["end"] - v["start"]) / 1e6 }' "$BENCH_OUT")
            echo
            echo "perf profile of the backend (cpu-clock, DWARF call graphs), ($1) $2 batch:"
            profile_summary "$WORK/perf_${1}_$2.data" "$cpu"
        done
    fi
fi
