#!/usr/bin/env bash
# DDL capture overhead (issues 4 and 10): backend CPU time of a fixed batch of
# 2,000 DDL statements on managed tables and 2,000 on unmanaged ones, in
#   (a)  no extension
#   (b)  selegic_drift, with metadata describing the managed tables
#   (b+h) the same, with about 20,000 earlier unresolved rows in selegic.drift_log
#   (c)  a PL/pgSQL event trigger logging pg_event_trigger_ddl_commands()
#   (d)  pgaudit with pgaudit.log = 'ddl' (if the pgaudit package is installed)
# each in its own database of one throwaway cluster that preloads pgaudit, and
#   (a0) no extension, in a second cluster that preloads nothing
# so that the cost of merely preloading pgaudit is visible. Two workloads:
#   C  cheap statements (default): 200 + 200 tables of 8 columns and 10 rows,
#      10 statements per table, nothing rewrites a table; metadata: 200
#      entities x 7 fields
#   R  rewrites: 500 + 500 tables of an entity with 20 fields (uuid id + 20
#      columns of mixed types), 2,000 rows each; per table ADD COLUMN x
#      integer, ALTER COLUMN x TYPE bigint, ALTER COLUMN x TYPE integer, DROP
#      COLUMN x (the type changes rewrite the table: table_rewrite fires);
#      metadata: --entities entities x 20 fields, the 500 managed tables and
#      entities whose tables do not exist, all in the managed schema
# See docs/benchmarks.md, "DDL capture overhead".
#
#   test/bench/ddl_overhead.sh [--workload C|R] [--entities N] [--reps N]
#                              [--out FILE] [--paired] [--profile]
#                              [--tmpdir DIR] [--keep] [--tables N] [--rows N]
#
#   --workload C|R  which batches (default C)
#   --entities N    R: entities x 20 fields in the metadata (default 510; at
#               least the number of tables); C: always 200 x 7
#   --reps N    measured rounds after one warm-up round (default 15, >= 5)
#   --out FILE  also write the result table (Markdown) to FILE
#   --profile   after the series, run (b) managed, (b) unmanaged and (b+h)
#               managed once more under `perf record --call-graph dwarf` and
#               print where the backend spent its time, and inside the capture
#   --paired    after the series, split the capture's cost finely in (b)'s
#               database: 100-statement chunks run alternately with its event
#               triggers enabled and disabled (and other variants) in one
#               session; per-statement differences of paired chunks
#   --tmpdir DIR  where the work directory (clusters included) goes; default
#               /dev/shm when it is a usable tmpfs, else $TMPDIR or /tmp
#   --keep      keep the work directory (samples, logs, profiles)
#   --tables N, --rows N  R only, for quick checks: managed (and unmanaged)
#               tables (default 500) and rows per table (default 2000)
#
# Run as root (the clusters run as the postgres OS user) or as postgres. The
# extension must be installed (make && make install); the script measures a
# copy of the installed library taken at its start. Workload C takes about 3
# minutes (15 rounds) on 2 CPUs; workload R about 1.5 minutes a round (up to
# 10 GB of tmpfs, data and WAL); --paired and --profile add a few minutes.
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
WORKLOAD=C
ENTITIES=
N_TABLES=
ROWS=
HISTORY_TARGET=20000  # (b+h): drift_log holds about this many earlier rows (whole copies of one managed batch's rows)

usage() { sed -n '2,49p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --workload) WORKLOAD=$2; shift 2 ;;
        --workload=*) WORKLOAD=${1#--workload=}; shift ;;
        --entities) ENTITIES=$2; shift 2 ;;
        --entities=*) ENTITIES=${1#--entities=}; shift ;;
        --tables) N_TABLES=$2; shift 2 ;;
        --tables=*) N_TABLES=${1#--tables=}; shift ;;
        --rows) ROWS=$2; shift 2 ;;
        --rows=*) ROWS=${1#--rows=}; shift ;;
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
is_count() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ]; }
case "$WORKLOAD" in
    C|c)
        WORKLOAD=C
        [ -z "$ENTITIES$N_TABLES$ROWS" ] ||
            { echo "ddl_overhead.sh: --entities, --tables and --rows go with --workload R" >&2; exit 2; }
        N_TABLES=200          # x 10 statements per table = 2,000 statements per batch
        ROWS=10
        ENTITIES=200          # one per managed table
        FIELDS=7
        STMTS_PER_TABLE=10
        SCHEMA_SQL=schema.sql METADATA_SQL=metadata.sql GEN_SQL=gen_batch.sql
        WORKLOAD_TEXT="workload C (cheap DDL: $N_TABLES managed + $N_TABLES unmanaged tables of 8 columns, $ROWS rows each, $STMTS_PER_TABLE statements per table, nothing rewrites a table)" ;;
    R|r)
        WORKLOAD=R
        N_TABLES=${N_TABLES:-500}   # x 4 statements per table = 2,000 statements per batch
        ROWS=${ROWS:-2000}
        ENTITIES=${ENTITIES:-$((N_TABLES + 10))}
        FIELDS=20
        STMTS_PER_TABLE=4
        SCHEMA_SQL=schema_r.sql METADATA_SQL=metadata_r.sql GEN_SQL=gen_batch_r.sql
        is_count "$N_TABLES" && [ "$N_TABLES" -le 999 ] || { echo "ddl_overhead.sh: --tables must be 1 to 999" >&2; exit 2; }
        is_count "$ROWS" || { echo "ddl_overhead.sh: --rows must be >= 1" >&2; exit 2; }
        is_count "$ENTITIES" && [ "$ENTITIES" -ge "$N_TABLES" ] && [ "$ENTITIES" -le 99999 ] ||
            { echo "ddl_overhead.sh: --entities must be from the number of tables ($N_TABLES) to 99999" >&2; exit 2; }
        WORKLOAD_TEXT="workload R (rewrites: $N_TABLES managed + $N_TABLES unmanaged tables of 21 columns, $ROWS rows each, $STMTS_PER_TABLE statements per table, 2 of them rewrite the table)" ;;
    *) echo "ddl_overhead.sh: --workload must be C or R" >&2; exit 2 ;;
esac
STATEMENTS=$((N_TABLES * STMTS_PER_TABLE))
fmt_int() { echo "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }
METADATA_TEXT="$(fmt_int "$ENTITIES") entities x $FIELDS fields"
[ "$ENTITIES" = "$N_TABLES" ] || METADATA_TEXT="$METADATA_TEXT ($N_TABLES of them the managed tables, $((ENTITIES - N_TABLES)) without a table)"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

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
# Copied again until two reads a second apart agree, so that a copy taken
# during an install is not used.
mkdir -m 755 "$WORK/lib"
for try in 1 2 3 4 5 6; do
    cp "$SO" "$WORK/lib/selegic_drift.so"
    sleep 1
    ! cmp -s "$SO" "$WORK/lib/selegic_drift.so" || break
    [ "$try" -lt 6 ] || { echo "ddl_overhead.sh: $SO keeps changing (an install running?)" >&2; exit 1; }
done
chmod 755 "$WORK/lib/selegic_drift.so"
SO_MD5=$(md5sum "$WORK/lib/selegic_drift.so" | cut -c1-12)
SO_TIME=$(date -u -r "$SO" '+%Y-%m-%d %H:%M:%S UTC')
# The commit checked out when the library was copied (it was built from this
# or from a working tree based on it).
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$REPO" diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT (working tree with uncommitted changes)"

# Same settings in both clusters: no autovacuum (the catalogs are vacuumed
# between rounds instead, outside the measurement), no checkpoints or full-page
# images in the middle of a batch.
# Workload R writes about 0.5 GB of WAL per batch (the rewrites): a larger
# max_wal_size there, for fewer checkpoints in the middle of batches.
MAX_WAL=1GB
[ "$WORKLOAD" = C ] || MAX_WAL=4GB
COMMON_CONF=("autovacuum = off" "full_page_writes = off" "checkpoint_timeout = '1h'"
             "max_wal_size = '$MAX_WAL'" "jit = off")
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
# The tables are made once per cluster: in (a0)'s database, and in (a)'s,
# which the other databases of its cluster are copied from before anything
# else is added to them.
for cfg in "${CONFIGS[@]}"; do
    hp=$(host_of "$cfg")
    case "$cfg" in
        a0|a) psql -X -q -v ON_ERROR_STOP=1 -h "${hp% *}" -p "${hp#* }" -U postgres -d postgres \
                  -c "CREATE DATABASE $(db_of "$cfg")"
              psql_cfg "$cfg" -v n_tables=$N_TABLES -v rows_per_table=$ROWS -f "$DDL/$SCHEMA_SQL" >/dev/null
              psql_cfg "$cfg" -c "VACUUM ANALYZE" ;;
        *) psql -X -q -v ON_ERROR_STOP=1 -h "${hp% *}" -p "${hp#* }" -U postgres -d postgres \
               -c "CREATE DATABASE $(db_of "$cfg") TEMPLATE $(db_of a) STRATEGY = FILE_COPY" ;;
    esac
    case "$cfg" in
        b|bh) psql_cfg "$cfg" -c "CREATE EXTENSION selegic_drift" \
               -c "UPDATE pg_catalog.pg_proc SET probin = '$WORK/lib/selegic_drift'
                   WHERE probin = '\$libdir/selegic_drift'" >/dev/null
           psql_cfg "$cfg" -v n_tables=$N_TABLES -v n_entities=$ENTITIES -f "$DDL/$METADATA_SQL" >/dev/null
           # In sync but for the entities without a table (missing_table).
           n_drift=$(psql_cfg "$cfg" -At -c "
               SELECT count(*) FILTER (WHERE NOT (kind = 'missing_table' AND object LIKE 'app.ghost\\_%'))
                      || ' ' || count(*) FILTER (WHERE kind = 'missing_table')
               FROM selegic_drift()")
           [ "$n_drift" = "0 $((ENTITIES - N_TABLES))" ] ||
               { echo "ddl_overhead.sh: metadata and catalog of ($cfg) are not in sync (drift rows: $n_drift other / missing_table)" >&2; exit 1; } ;;
        c) psql_cfg c -f "$DDL/plpgsql_trigger.sql" >/dev/null ;;
        d) psql_cfg d -f "$DDL/pgaudit.sql" >/dev/null ;;
    esac
done
# What the extension's event trigger functions are as installed (the paired
# mode 'on' restores exactly this).
FNS_INSTALLED=$(psql_cfg b -At -c "
    SELECT string_agg(format('%s: %s%s', p.proname, CASE WHEN p.prosecdef THEN 'SECURITY DEFINER' ELSE 'SECURITY INVOKER' END,
                             CASE WHEN p.proconfig IS NULL THEN ', no SET clause'
                                  ELSE ', SET ' || array_to_string(p.proconfig, '; SET ') END), ', ' ORDER BY p.proname)
    FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'selegic'::regnamespace AND p.proname LIKE 'capture\\_%'")
log "the extension's event trigger functions as installed: $FNS_INSTALLED"
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
log "setup done: workload $WORKLOAD, ${CONFIGS[*]}, $N_TABLES managed + $N_TABLES unmanaged tables each, $ROWS rows a table; (b): $METADATA_TEXT"

for kind in managed unmanaged; do
    schema=app; [ "$kind" = managed ] || schema=plain
    psql_cfg a -At -v schema=$schema -v n_tables=$N_TABLES -f "$DDL/$GEN_SQL" >"$WORK/batch_$kind.sql"
    n=$(grep -c . "$WORK/batch_$kind.sql")
    [ "$n" = "$STATEMENTS" ] || { echo "ddl_overhead.sh: batch_$kind.sql has $n statements" >&2; exit 1; }
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

# (b+h): a log with history. One managed batch, unmeasured, writes real rows;
# HISTORY_COPIES copies of them (as many as make about HISTORY_TARGET rows:
# 10 in workload C, 7 in workload R), dated earlier, are kept in
# public.bench_history and put back into the log before every round. Nothing
# is resolved: a log in the default 'log' mode that nobody has acknowledged yet.
psql_cfg bh -c "TRUNCATE selegic.drift_log" -f "$WORK/batch_managed.sql"
batch_rows=$(psql_cfg bh -At -c "SELECT count(*) FROM selegic.drift_log")
[ "$batch_rows" -gt 0 ] || { echo "ddl_overhead.sh: the managed batch wrote no row in (b+h)" >&2; exit 1; }
HISTORY_COPIES=$(((HISTORY_TARGET + batch_rows / 2) / batch_rows))
[ "$HISTORY_COPIES" -ge 1 ] || HISTORY_COPIES=1
psql_cfg bh -c "
    CREATE TABLE public.bench_history AS
    SELECT gen_random_uuid() AS id, database_name, occurred_at - g * interval '1 day' AS occurred_at,
           origin, command_tag, action, object_identity, entity_id, field_id, old_name, new_name,
           session_user_name, current_user_name, application_name, client_addr, backend_pid,
           transaction_id, query, resolved_at, resolution
    FROM selegic.drift_log, generate_series(1, $HISTORY_COPIES) AS g"
HISTORY_ROWS=$(psql_cfg bh -At -c "SELECT count(*) FROM public.bench_history")
log "(b+h): $HISTORY_ROWS rows of history in selegic.drift_log ($HISTORY_COPIES copies of the $batch_rows rows of one managed batch)"

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
        # Runs in a command substitution: the count seen so far is kept in a file.
        n=$(grep -c 'AUDIT: SESSION,' "$CL_A/server.log" || true)
        out+="d=$((n - $(cat "$WORK/audit_seen")))"; echo "$n" >"$WORK/audit_seen"
    fi
    echo "$out"
}

# ------------------------------------------------------------ series
# Round 0 is a warm-up and is not reported. In round r the configurations run
# in an order rotated by r, and managed/unmanaged alternate which goes first.
maintain
grep -c 'AUDIT: SESSION,' "$CL_A/server.log" >"$WORK/audit_seen" || true
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
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

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
        b) echo "(b) selegic_drift, $(fmt_int "$ENTITIES") entities" ;;
        bh) echo "(b+h) selegic_drift, $(fmt_int "$ENTITIES") entities, $(fmt_int "$HISTORY_ROWS") earlier rows in drift_log" ;;
        c) echo "(c) PL/pgSQL event trigger" ;;
        d) echo "(d) pgaudit, pgaudit.log = 'ddl'" ;;
    esac
}

report() {
    local pgver
    pgver=$(postgres --version)
    echo "DDL capture overhead, $(date -u +%Y-%m-%d), commit $COMMIT at the start (selegic_drift.so md5 $SO_MD5..., installed $SO_TIME), $pgver, $(nproc) CPUs,"
    echo "clusters on $(stat -f -c %T "$WORK") ($BASE); load average (1, 5, 15 min) $LOAD_START at the start, $LOAD_END after the series;"
    echo "$WORKLOAD_TEXT;"
    echo "(b) and (b+h): metadata of $METADATA_TEXT; event trigger functions as installed: $FNS_INSTALLED;"
    echo "backend CPU ms per batch of $(fmt_int "$STATEMENTS") DDL statements, median of $REPS rounds after 1 warm-up round"
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
# chunk of a batch (C: 10 tables x the 10 statements; R: 25 tables x the 4)
# runs once in every mode, in an order that rotates from chunk to chunk, twice
# over, and the CPU time of each mode is compared with the 'off' run of the
# same chunk. Modes:
#   off      the extension's event triggers disabled (= no event trigger at all)
#   on       enabled, their functions as installed (SECURITY DEFINER without a
#            SET clause: the capture pins search_path itself, around the insert)
#   noop     instead of them, a PL/pgSQL event trigger with an empty body on
#            ddl_command_end and sql_drop: what any event trigger costs
#   plpgsql  instead of them, the PL/pgSQL event triggers of configuration (c)
#            (plpgsql_trigger.sql), which log every command
#   invoker  the extension's, with SECURITY INVOKER and no SET clause: what the
#            SECURITY DEFINER call wrapper (a pg_proc lookup and a user switch
#            per call) costs
#   setpath  the extension's, SECURITY DEFINER with SET search_path =
#            pg_catalog, pg_temp (as installed before): what a SET clause costs
#   norewrite  the extension's, but selegic_table_rewrite disabled: what
#            capturing table_rewrite (the 'rewrite table' rows) costs
# The function modes are set by updating pg_proc (prosecdef, proconfig) from a
# snapshot of the installed definitions, which 'on' restores exactly. Before
# each chunk, unmeasured: the logs are emptied, the mode is set, and the
# warm-up statements run on item_001 of the chunk's schema, which rebuild what
# emptying the log and switching triggers invalidated (the cache of managed
# objects, PostgreSQL's event trigger cache): each chunk measures the steady
# state, as a batch of the series does after its warm-up.
paired_experiment() {  # paired_experiment NAME LABEL CHUNK_DIR KIND MODES...
    local name=$1 label=$2 dir=$3 kind=$4; shift 4
    local modes=("$@") n_modes=$# chunk m j pass
    local sql=$WORK/paired_$name.sql out=$WORK/paired_$name.txt
    trig() { local t; for t in ddl_command_end sql_drop table_rewrite; do echo "ALTER EVENT TRIGGER selegic_$t $1;"; done; }
    noop() { echo "ALTER EVENT TRIGGER bench_noop_end $1; ALTER EVENT TRIGGER bench_noop_drop $1;"; }
    plpg() { echo "ALTER EVENT TRIGGER audit_ddl_command_end $1; ALTER EVENT TRIGGER audit_sql_drop $1;"; }
    fns() {
        local set
        case $1 in
            installed) set="prosecdef = s.prosecdef, proconfig = s.proconfig" ;;
            invoker) set="prosecdef = false, proconfig = NULL" ;;
            setpath) set="prosecdef = true, proconfig = '{\"search_path=pg_catalog, pg_temp\"}'" ;;
        esac
        echo "UPDATE pg_catalog.pg_proc AS p SET $set FROM public.bench_fns AS s WHERE p.oid = s.oid;"
    }
    {
        echo 'SELECT pg_backend_pid() AS pid \gset'
        echo '\setenv BENCH_PID :pid'
        echo "\\i $WORK/warmup_$kind.sql"
        for pass in 0 1; do
            for chunk in "$dir"/chunk_*; do
                j=${chunk##*_}; j=$((10#$j))
                for ((i = 0; i < n_modes; i++)); do
                    m=${modes[$(((i + j + pass) % n_modes))]}
                    echo "TRUNCATE selegic.drift_log, audit.ddl_log;"
                    case $m in
                        off) trig DISABLE; noop DISABLE; plpg DISABLE ;;
                        on) noop DISABLE; plpg DISABLE; fns installed; trig "ENABLE ALWAYS" ;;
                        noop) trig DISABLE; plpg DISABLE; noop ENABLE ;;
                        plpgsql) trig DISABLE; noop DISABLE; plpg "ENABLE ALWAYS" ;;
                        invoker) noop DISABLE; plpg DISABLE; fns invoker; trig "ENABLE ALWAYS" ;;
                        setpath) noop DISABLE; plpg DISABLE; fns setpath; trig "ENABLE ALWAYS" ;;
                        norewrite) noop DISABLE; plpg DISABLE; fns installed; trig "ENABLE ALWAYS"
                                   echo "ALTER EVENT TRIGGER selegic_table_rewrite DISABLE;" ;;
                        *) echo "ddl_overhead.sh: unknown paired mode $m" >&2; return 1 ;;
                    esac
                    echo "\\i $WORK/warmup_$kind.sql"
                    echo "\\! echo \"$pass.$j $m \$(cut -d' ' -f1 /proc/\$BENCH_PID/schedstat)\""
                    echo "\\i $chunk"
                    echo "\\! echo \"$pass.$j end \$(cut -d' ' -f1 /proc/\$BENCH_PID/schedstat)\""
                done
            done
        done
        noop DISABLE; plpg DISABLE; fns installed; trig "ENABLE ALWAYS"
    } >"$sql"
    psql_cfg b -f "$sql" >"$out" 2>>"$WORK/client_paired.log"
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
    mkdir -p "$WORK/chunks/managed" "$WORK/chunks/unmanaged"
    split -l 100 -d -a 2 "$WORK/batch_managed.sql" "$WORK/chunks/managed/chunk_"
    split -l 100 -d -a 2 "$WORK/batch_unmanaged.sql" "$WORK/chunks/unmanaged/chunk_"
    if [ "$WORKLOAD" = C ]; then
        # The managed batch with statement 5 (RENAME COLUMN) replaced by a
        # statement that makes no rename: SET STATISTICS on the same column.
        mkdir -p "$WORK/chunks/norename"
        sed -e 's/RENAME COLUMN bench_extra TO bench_renamed/ALTER COLUMN bench_extra SET STATISTICS 100/' \
            -e 's/bench_renamed/bench_extra/g' "$WORK/batch_managed.sql" |
            split -l 100 -d -a 2 - "$WORK/chunks/norename/chunk_"
    fi
    psql_cfg b -c "CREATE FUNCTION public.bench_noop() RETURNS event_trigger LANGUAGE plpgsql AS 'BEGIN END'" \
        -c "CREATE EVENT TRIGGER bench_noop_end ON ddl_command_end EXECUTE FUNCTION public.bench_noop()" \
        -c "CREATE EVENT TRIGGER bench_noop_drop ON sql_drop EXECUTE FUNCTION public.bench_noop()" \
        -c "ALTER EVENT TRIGGER bench_noop_end DISABLE" -c "ALTER EVENT TRIGGER bench_noop_drop DISABLE" \
        -c "CREATE TABLE public.bench_fns AS SELECT oid, prosecdef, proconfig FROM pg_catalog.pg_proc
            WHERE pronamespace = 'selegic'::regnamespace AND proname LIKE 'capture\\_%'"
    psql_cfg b -f "$DDL/plpgsql_trigger.sql" \
        -c "ALTER EVENT TRIGGER audit_ddl_command_end DISABLE" -c "ALTER EVENT TRIGGER audit_sql_drop DISABLE" >/dev/null
    {
        echo
        echo "Paired chunks in (b)'s database ($WORKLOAD_TEXT; $METADATA_TEXT): median backend CPU per statement"
        echo "of 'off', and of every other mode minus 'off' on the same chunk, in microseconds (interquartile range;"
        echo "n chunk pairs):"
        echo
        echo "| batch | mode | us/stmt (vs off) | IQR | n |"
        echo "|---|---|---:|---:|---:|"
        if [ "$WORKLOAD" = C ]; then
            paired_experiment unmanaged unmanaged "$WORK/chunks/unmanaged" unmanaged off on noop plpgsql invoker setpath
            paired_experiment managed managed "$WORK/chunks/managed" managed off on noop plpgsql
            paired_experiment norename "managed, RENAME replaced by SET STATISTICS" "$WORK/chunks/norename" managed off on
        else
            paired_experiment unmanaged unmanaged "$WORK/chunks/unmanaged" unmanaged off on noop plpgsql invoker setpath
            paired_experiment managed managed "$WORK/chunks/managed" managed off on noop plpgsql norewrite
        fi
        echo
        echo "Modes: off = the extension's event triggers disabled; on = enabled, functions as installed ($FNS_INSTALLED);"
        echo "noop = an empty PL/pgSQL event trigger on ddl_command_end and sql_drop instead; plpgsql = (c)'s PL/pgSQL"
        echo "triggers instead; invoker = the extension's, SECURITY INVOKER, no SET clause; setpath = the extension's,"
        echo "SECURITY DEFINER with SET search_path = pg_catalog, pg_temp; norewrite = the extension's without the"
        echo "table_rewrite one. Before each chunk (unmeasured) the logs are emptied and two warm-up statements rebuild"
        echo "the caches."
    } | tee "$WORK/paired.md"
    [ -z "$OUT" ] || cat "$WORK/paired.md" >>"$OUT"
fi

# ------------------------------------------------------------ profile
# Shares of the backend's samples (inclusive of callees) in the functions
# that say where the capture's time goes, the PostgreSQL functions the
# capture calls, and the top functions by self time (ddl/profile_capture.awk
# reads the call stacks of `perf script`; stamp.sh samples at 1,000 Hz).
profile_summary() {  # profile_summary PERF_DATA CPU_MS
    perf script -i "$1" -F comm,tid,ip,sym,dso 2>/dev/null |
        awk -v cpu_ms="$2" -f "$DDL/profile_capture.awk"
}

if [ "$PROFILE" = 1 ]; then
    if ! command -v perf >/dev/null; then
        log "no perf: skipping --profile"
    else
        log "profiling (b) managed, (b) unmanaged, (b+h) managed"
        maintain
        for item in "b managed" "b unmanaged" "bh managed"; do
            set -- $item
            export BENCH_PERF_DATA=$WORK/perf_${1}_$2.data
            run_batch profile "$1" "$2"
            unset BENCH_PERF_DATA
            cpu=$(awk -v c="$1" -v k="$2" '$1 == "profile" && $2 == c && $3 == k { v[$4] = $6 }
                                           END { printf "%.0f", (v["end"] - v["start"]) / 1e6 }' "$BENCH_OUT")
            {
                echo
                echo "perf profile of the backend (cpu-clock at 1000 Hz, DWARF call graphs), workload $WORKLOAD, ($1) $2 batch:"
                profile_summary "$WORK/perf_${1}_$2.data" "$cpu"
            } | tee -a "$WORK/profile.md"
        done
        [ -z "$OUT" ] || cat "$WORK/profile.md" >>"$OUT"
    fi
fi
