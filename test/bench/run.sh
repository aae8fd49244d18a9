#!/usr/bin/env bash
# Benchmark of selegic_drift() against a plain-SQL reference and a bare catalog
# scan, on generated schemas of 100, 1,000 and 5,000 entities x 20 fields
# (2k, 20k and 100k managed columns). See docs/benchmarks.md.
#
#   test/bench/run.sh [--reps N] [--out FILE] [--reference-only] [ENTITIES...]
#
# ENTITIES are entity counts (default: 100 1000 5000). The extension must be
# installed already (make && make install); --reference-only times the
# reference and the bare scan alone, with the metadata tables created from the
# extension's install script, for when the extension is not built yet.
#
# It creates a throwaway PostgreSQL 15 cluster in a temporary directory,
# reachable only through a unix socket there (listen_addresses = ''), run by
# the postgres OS user when started as root, and removes it on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
REPS=7
OUT=
REFERENCE_ONLY=0
SIZES=()

usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --reps) REPS=$2; shift 2 ;;
        --reps=*) REPS=${1#--reps=}; shift ;;
        --out) OUT=$2; shift 2 ;;
        --out=*) OUT=${1#--out=}; shift ;;
        --reference-only) REFERENCE_ONLY=1; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) SIZES+=("$1"); shift ;;
    esac
done
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100 1000 5000)
for n in "${SIZES[@]}"; do
    [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 40 ] || { echo "run.sh: size '$n' is not an entity count >= 40" >&2; exit 2; }
done
[[ "$REPS" =~ ^[0-9]+$ ]] && [ "$REPS" -ge 1 ] || { echo "run.sh: --reps must be a positive integer" >&2; exit 2; }

[ -x "$PGBIN/initdb" ] || { echo "run.sh: no PostgreSQL server binaries in $PGBIN (set PGBIN)" >&2; exit 1; }
SHAREDIR=$("$PGBIN/pg_config" --sharedir)
PKGLIBDIR=$("$PGBIN/pg_config" --pkglibdir)
if [ "$REFERENCE_ONLY" = 0 ]; then
    if [ ! -f "$SHAREDIR/extension/selegic_drift.control" ] || [ ! -f "$PKGLIBDIR/selegic_drift.so" ]; then
        cat >&2 <<EOF
run.sh: the selegic_drift extension is not installed for $("$PGBIN/pg_config" --version)
        (looked for $SHAREDIR/extension/selegic_drift.control
         and $PKGLIBDIR/selegic_drift.so).
        Build and install it first:   cd $REPO && make && make install
        or time only the reference and the bare scan:   $0 --reference-only
EOF
        exit 1
    fi
fi

# Run PostgreSQL as the postgres OS user when we are root (it refuses root).
if [ "$(id -u)" = 0 ]; then
    AS=(runuser -u postgres --)
else
    AS=()
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/selegic_bench.XXXXXX")
cleanup() {
    local rc=$?
    if [ -f "$WORK/data/postmaster.pid" ]; then
        "${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$WORK/sock"
[ "$(id -u)" != 0 ] || chown -R postgres: "$WORK"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

log "cluster in $WORK"
"${AS[@]}" "$PGBIN/initdb" -D "$WORK/data" -U postgres --auth=trust -N -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 \
    || { cat "$WORK/initdb.log" >&2; exit 1; }
# Throwaway cluster: durability off to generate quickly (not part of any timed
# query), no autovacuum, JIT or parallel query, to keep timings free of
# background noise and every query in one backend, like selegic_drift().
# max_locks_per_transaction stays at its default on purpose.
cat >>"$WORK/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$WORK/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
autovacuum = off
jit = off
max_parallel_workers_per_gather = 0
EOF
"${AS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w start >/dev/null \
    || { cat "$WORK/server.log" >&2; exit 1; }

# psql DB [args...]: SQL on stdin or -c; quiet, stops at the first error.
psql_db() {
    local db=$1; shift
    "${AS[@]}" "$PGBIN/psql" -h "$WORK/sock" -U postgres -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"
}
# A query file as the body of a view: without its final semicolon.
query_body() { perl -0pe 's/;\s*\z/\n/' "$1"; }

RESULTS="$WORK/results.tsv"
: >"$RESULTS"

for n in "${SIZES[@]}"; do
    db="bench_$n"
    cols=$((n * 20))
    log "== $n entities x 20 fields = $cols managed columns"
    psql_db postgres -c "CREATE DATABASE $db TEMPLATE template0"

    if [ "$REFERENCE_ONLY" = 0 ]; then
        psql_db "$db" -c "CREATE EXTENSION selegic_drift" || {
            echo "run.sh: CREATE EXTENSION selegic_drift failed (see above)" >&2; exit 1; }
    else
        # The metadata tables exactly as the install script (or its parts) defines them.
        { echo "CREATE SCHEMA selegic;"
          if compgen -G "$REPO/sql/install/*.sql" >/dev/null; then
              cat "$REPO"/sql/install/*.sql
          else
              cat "$REPO/sql/selegic_drift--1.0.sql"
          fi | awk '/^CREATE TABLE selegic\.(entity|field) /{p=1} p{print} p&&/^\);/{p=0}'
        } | psql_db "$db" -f -
    fi

    t0=$(date +%s.%N)
    psql_db "$db" -v n_entities="$n" -f - <"$HERE/generate.sql" >"$WORK/generate_$n.log"
    t1=$(date +%s.%N)
    gen_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    log "generated in ${gen_s}s: $(tail -n 3 "$WORK/generate_$n.log" | head -n 1 | tr -s ' ')"

    # Harness: the queries as views, a timer, a memory probe, a scorer.
    {
        echo "CREATE VIEW public.bench_reference AS"
        query_body "$HERE/reference.sql"
        echo ";"
        echo "CREATE VIEW public.bench_bare AS"
        query_body "$HERE/bare_scan.sql"
        echo ";"
        cat <<'EOF'
-- Ten entities spread over the whole range (hubs, victims of drift, others).
CREATE TABLE public.bench_pick AS
SELECT b.entity_id FROM public.bench_entities b, public.bench_params p
WHERE (b.i - 1) % greatest(1, p.n_entities / 10) = 0 ORDER BY b.i LIMIT 10;

CREATE TABLE public.bench_timing (label text, rep int, ms float8, n_rows bigint);

-- Server-side wall time of one query, every output column materialised;
-- selegic.drift_cache set for the query's transaction only.
CREATE FUNCTION public.bench_time(label text, rep int, query text, divisor int DEFAULT 1,
                                  cache text DEFAULT 'off')
RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz; t1 timestamptz; n bigint; chars bigint;
BEGIN
    PERFORM set_config('selegic.drift_cache', cache, true);
    t0 := clock_timestamp();
    EXECUTE format('SELECT count(*), sum(length(x::text)) FROM (%s) x', query) INTO n, chars;
    t1 := clock_timestamp();
    INSERT INTO public.bench_timing VALUES
        (label, rep, extract(epoch FROM t1 - t0) * 1000.0 / divisor, n);
    RETURN extract(epoch FROM t1 - t0) * 1000.0 / divisor;
END $$;

-- One DDL statement on one managed table, outside the timing, for the warm
-- cache's "after one DDL" figure: a column added, or dropped again.
CREATE FUNCTION public.bench_touch_table(rep int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t text;
BEGIN
    SELECT format('%I.%I', e.schema_name, e.table_name) INTO t
    FROM public.bench_pick p JOIN selegic.entity e ON e.id = p.entity_id
    JOIN pg_class c ON c.relname = e.table_name
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = e.schema_name
    ORDER BY p.entity_id LIMIT 1;
    IF rep % 2 = 0 THEN
        EXECUTE format('ALTER TABLE %s ADD COLUMN bench_touch integer', t);
    ELSE
        EXECUTE format('ALTER TABLE %s DROP COLUMN IF EXISTS bench_touch', t);
    END IF;
END $$;

-- The drift cache's memory in this backend, in kB.
CREATE FUNCTION public.bench_cache_kb() RETURNS bigint LANGUAGE sql AS $$
    SELECT coalesce(sum(total_bytes), 0) / 1024 FROM pg_backend_memory_contexts
    WHERE name = 'selegic drift cache' $$;

-- This backend's memory from /proc/self/status, in kB.
CREATE FUNCTION public.bench_status(OUT hwm_kb bigint, OUT rss_kb bigint, OUT anon_kb bigint,
                                    OUT file_kb bigint, OUT shmem_kb bigint)
LANGUAGE sql AS $$
    SELECT max(v) FILTER (WHERE k = 'VmHWM'), max(v) FILTER (WHERE k = 'VmRSS'),
           max(v) FILTER (WHERE k = 'RssAnon'), max(v) FILTER (WHERE k = 'RssFile'),
           max(v) FILTER (WHERE k = 'RssShmem')
    FROM (SELECT m[1] AS k, m[2]::bigint AS v
          FROM regexp_matches(pg_read_file('/proc/self/status'), '(\w+):\s+(\d+) kB', 'g') AS m) s
$$;

-- Memory of one query in this (fresh) backend, in kB, from the kernel's
-- accounting. The query runs twice:
--  * cold, as the first call of a new connection: cold_retained_kb is the
--    private (anonymous) memory still held after it, e.g. catalog caches;
--    cold_peak_kb estimates its private peak as VmHWM minus the file and
--    shared pages mapped at the end (those only grow during the call);
--  * warm, after the high-water mark is reset to the current RSS
--    (/proc/self/clear_refs, 5): shared buffers are mapped already, so
--    peak_kb = VmHWM after - VmRSS before is exactly the peak growth of the
--    backend's own memory during one call.
CREATE FUNCTION public.bench_memory(query text, OUT peak_kb bigint, OUT cold_peak_kb bigint,
                                    OUT cold_retained_kb bigint, OUT hwm_reset boolean)
LANGUAGE plpgsql AS $$
DECLARE
    s0 record; s1 record; s2 record; s3 record; n bigint; chars bigint;
    q text := format('SELECT count(*), sum(length(x::text)) FROM (%s) x', query);
BEGIN
    SELECT * INTO s0 FROM public.bench_status();
    EXECUTE q INTO n, chars;
    SELECT * INTO s1 FROM public.bench_status();
    cold_retained_kb := s1.anon_kb - s0.anon_kb;
    cold_peak_kb := s1.hwm_kb - s1.file_kb - s1.shmem_kb - s0.anon_kb;
    BEGIN
        EXECUTE 'COPY (SELECT 5) TO ''/proc/self/clear_refs''';
        hwm_reset := true;
    EXCEPTION WHEN OTHERS THEN
        hwm_reset := false;   -- then peak_kb is a lower bound
    END;
    SELECT * INTO s2 FROM public.bench_status();
    EXECUTE q INTO n, chars;
    SELECT * INTO s3 FROM public.bench_status();
    peak_kb := s3.hwm_kb - CASE WHEN hwm_reset THEN s2.rss_kb ELSE s2.hwm_kb END;
END $$;

-- Recall and precision of a report against bench_expected, on (kind, object).
-- exclude_variants: injected rows left out of both sides (the reference
-- cannot see bad default expressions, see reference.sql).
CREATE FUNCTION public.bench_score(query text, exclude_variants text[] DEFAULT '{}',
    OUT expected bigint, OUT reported bigint, OUT matched bigint, OUT recall_pct numeric, OUT precision_pct numeric)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($q$
        WITH skip AS (SELECT object FROM public.bench_expected WHERE variant = ANY ($1)),
             e AS (SELECT kind, object FROM public.bench_expected WHERE object NOT IN (SELECT object FROM skip)),
             r AS (SELECT DISTINCT kind, object FROM (%s) q WHERE object NOT IN (SELECT object FROM skip))
        SELECT (SELECT count(*) FROM e), (SELECT count(*) FROM r),
               (SELECT count(*) FROM e JOIN r USING (kind, object))$q$, query)
        INTO expected, reported, matched USING exclude_variants;
    recall_pct := round(100.0 * matched / nullif(expected, 0), 1);
    precision_pct := round(100.0 * matched / nullif(reported, 0), 1);
END $$;

-- What a report got wrong, for the log.
CREATE FUNCTION public.bench_diff(query text, exclude_variants text[] DEFAULT '{}')
RETURNS TABLE (problem text, kind text, object text)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        WITH skip AS (SELECT b.object FROM public.bench_expected b WHERE b.variant = ANY ($1)),
             e AS (SELECT b.kind, b.object FROM public.bench_expected b WHERE b.object NOT IN (SELECT object FROM skip)),
             r AS (SELECT DISTINCT q.kind, q.object FROM (%s) q WHERE q.object NOT IN (SELECT object FROM skip))
        SELECT CASE WHEN r.kind IS NULL THEN 'missed' ELSE 'false positive' END,
               coalesce(e.kind, r.kind), coalesce(e.object, r.object)
        FROM e FULL JOIN r ON e.kind = r.kind AND e.object = r.object
        WHERE e.kind IS NULL OR r.kind IS NULL
        ORDER BY 3, 2$q$, query) USING exclude_variants;
END $$;
EOF
    } | psql_db "$db" -f -
    psql_db "$db" -c "VACUUM ANALYZE public.bench_pick" -c "CHECKPOINT"

    DRIFT_Q="SELECT * FROM selegic_drift()"
    ENTITY_Q="SELECT d.* FROM public.bench_pick p, selegic_drift(p.entity_id) d"
    REF_Q="SELECT * FROM public.bench_reference"
    BARE_Q="SELECT * FROM public.bench_bare"
    REF_SKIP="'{default_does_not_fit,default_does_not_parse}'"

    # Correctness first: a report that is wrong makes its timing meaningless.
    ref_score=$(psql_db "$db" -At -F ' ' -c "SELECT recall_pct, precision_pct FROM public.bench_score(\$\$$REF_Q\$\$, $REF_SKIP)")
    if [ "$ref_score" != "100.0 100.0" ]; then
        log "WARNING: reference.sql recall/precision is $ref_score on this data (expected 100 100):"
        psql_db "$db" -c "SELECT * FROM public.bench_diff(\$\$$REF_Q\$\$, $REF_SKIP) LIMIT 20" >&2
    fi
    if [ "$REFERENCE_ONLY" = 0 ]; then
        score=$(psql_db "$db" -At -F ' ' \
            -c "SELECT expected, reported, matched, recall_pct, precision_pct FROM public.bench_score(\$\$$DRIFT_Q\$\$)")
        read -r n_exp n_rep n_match recall precision <<<"$score"
        log "selegic_drift(): $n_match of $n_exp injected drift rows found, $n_rep reported (recall $recall%, precision $precision%)"
        if [ "$n_match" != "$n_exp" ] || [ "$n_match" != "$n_rep" ]; then
            psql_db "$db" -c "SELECT * FROM public.bench_diff(\$\$$DRIFT_Q\$\$) LIMIT 30" >&2
        fi
    else
        n_exp=$(psql_db "$db" -At -c "SELECT count(*) FROM public.bench_expected")
        recall=n/a; precision=n/a
    fi

    # Timings: a warm-up round (rep 0, not counted), then REPS rounds; in each
    # round every query runs once, in an order that rotates between rounds.
    # drift and entity run with selegic.drift_cache = off: everything is
    # computed, as at the first call of a backend. Then, with the cache on:
    # warm (nothing changed since the last call), after_ddl (one ALTER TABLE
    # on one managed table since), entity_warm (one entity, cache up to date).
    labels=(reference bare noop)
    [ "$REFERENCE_ONLY" = 1 ] || labels=(drift reference bare entity noop)
    npick="(SELECT count(*) FROM public.bench_pick)::int"
    {
        for ((rep = 0; rep <= REPS; rep++)); do
            k=${#labels[@]}
            for ((j = 0; j < k; j++)); do
                label=${labels[$(((j + rep) % k))]}
                case $label in
                    drift) q=$DRIFT_Q; div=1 ;;
                    entity) q=$ENTITY_Q; div=$npick ;;
                    reference) q=$REF_Q; div=1 ;;
                    bare) q=$BARE_Q; div=1 ;;
                    noop) q="SELECT 1"; div=1 ;;
                esac
                echo "SELECT public.bench_time('$label', $rep, \$\$$q\$\$, $div);"
            done
            if [ "$REFERENCE_ONLY" = 0 ]; then
                echo "SELECT public.bench_time('prime', $rep, \$\$$DRIFT_Q\$\$, 1, 'on');"
                echo "SELECT public.bench_time('warm', $rep, \$\$$DRIFT_Q\$\$, 1, 'on');"
                echo "SELECT public.bench_touch_table($rep);"
                echo "SELECT public.bench_time('after_ddl', $rep, \$\$$DRIFT_Q\$\$, 1, 'on');"
                echo "SELECT public.bench_time('entity_warm', $rep, \$\$$ENTITY_Q\$\$, $npick, 'on');"
                echo "INSERT INTO public.bench_timing SELECT 'cache_kb', $rep, public.bench_cache_kb(), 0;"
            fi
        done
    } | psql_db "$db" -o /dev/null -f -

    # Memory: each query in a fresh backend (see bench_memory).
    mem_row() {
        psql_db "$db" -At -F ' ' -c "
            SELECT round(peak_kb / 1024.0, 1), round(cold_peak_kb / 1024.0, 1),
                   round(cold_retained_kb / 1024.0, 1), hwm_reset
            FROM public.bench_memory(\$\$$1\$\$)"
    }
    ref_mem=$(mem_row "$REF_Q")
    # The cold computation's memory (the cache's own is cache MB above).
    if [ "$REFERENCE_ONLY" = 0 ]; then drift_mem=$(PGOPTIONS="-c selegic.drift_cache=off" mem_row "$DRIFT_Q"); else drift_mem="n/a n/a n/a n/a"; fi
    # With the cache: the first call's peak (it builds the cache) and what
    # stays after it.
    if [ "$REFERENCE_ONLY" = 0 ]; then cache_mem=$(mem_row "$DRIFT_Q"); else cache_mem="n/a n/a n/a n/a"; fi

    stats=$(psql_db "$db" -At -F ' ' -c "
        SELECT label, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 3),
               round(min(ms)::numeric, 3), round(max(ms)::numeric, 3), max(n_rows)
        FROM public.bench_timing WHERE rep > 0 GROUP BY label ORDER BY label")
    echo "$stats" | sed "s/^/  $n entities: /" >&2
    med() { echo "$stats" | awk -v l="$1" '$1 == l {print $2}'; }
    drift_ms=$(med drift); ref_ms=$(med reference); bare_ms=$(med bare); ent_ms=$(med entity); noop_ms=$(med noop)
    warm_ms=$(med warm); ddl_ms=$(med after_ddl); entw_ms=$(med entity_warm); cache_kb=$(med cache_kb)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$n" "$cols" "${drift_ms:-n/a}" "$ref_ms" "$bare_ms" "${ent_ms:-n/a}" "$noop_ms" \
        "$recall" "$precision" "$n_exp" "$drift_mem" "$ref_mem" "$gen_s" \
        "${warm_ms:-n/a}" "${ddl_ms:-n/a}" "${entw_ms:-n/a}" "${cache_kb:-n/a}" "$cache_mem" >>"$RESULTS"

    psql_db postgres -c "DROP DATABASE $db"
done

# ------------------------------------------------------------ report
report() {
    local pgver
    pgver=$("${AS[@]}" "$PGBIN/postgres" --version)
    echo "selegic_drift benchmark, $(date -u +%Y-%m-%d), $pgver, $(nproc) CPUs, medians of $REPS runs after 1 warm-up"
    echo
    echo "Cold (selegic.drift_cache = off: everything computed, as at a backend's first call):"
    echo
    echo "| managed columns | entities | selegic_drift() ms | reference ms | bare scan ms | speedup ref/drift | drift/bare | per-entity ms | recall | precision | drift peak MB | reference peak MB |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    while IFS=$'\t' read -r n cols drift ref bare ent noop recall precision n_exp dmem rmem gen warm ddl entw ckb cmem; do
        local speedup=n/a vs_bare=n/a dpeak rpeak
        if [ "$drift" != n/a ]; then
            speedup=$(awk -v a="$ref" -v b="$drift" 'BEGIN { printf (b > 0 ? "%.1fx" : "n/a"), a / b }')
            vs_bare=$(awk -v a="$drift" -v b="$bare" 'BEGIN { printf (b > 0 ? "%.2fx" : "n/a"), a / b }')
        fi
        dpeak=${dmem%% *}; rpeak=${rmem%% *}
        [ "$recall" = n/a ] || recall="$recall%"
        [ "$precision" = n/a ] || precision="$precision%"
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
            "$cols" "$n" "$drift" "$ref" "$bare" "$speedup" "$vs_bare" "$ent" "$recall" "$precision" "$dpeak" "$rpeak"
    done <"$RESULTS"
    echo
    echo "Warm (selegic.drift_cache = on, the same session):"
    echo
    echo "| managed columns | entities | no change ms | after one ALTER TABLE ms | one entity ms | cache MB | first call peak MB | retained after it MB |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
    while IFS=$'\t' read -r n cols drift ref bare ent noop recall precision n_exp dmem rmem gen warm ddl entw ckb cmem; do
        local cmb=n/a cpeak cret
        [ "$ckb" = n/a ] || cmb=$(awk -v k="$ckb" 'BEGIN { printf "%.1f", k / 1024 }')
        cpeak=$(echo "$cmem" | awk '{print $2}'); cret=$(echo "$cmem" | awk '{print $3}')
        printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$cols" "$n" "$warm" "$ddl" "$entw" "$cmb" "$cpeak" "$cret"
    done <"$RESULTS"
    echo
    echo "Per size: injected drift rows, generation time, harness overhead (median ms of SELECT 1),"
    echo "memory in MB as (warm peak, cold first-call peak estimate, cold retained, high-water mark reset worked):"
    echo
    while IFS=$'\t' read -r n cols drift ref bare ent noop recall precision n_exp dmem rmem gen warm ddl entw ckb cmem; do
        echo "- $n entities: $n_exp injected drift rows; generated in ${gen}s; overhead ${noop} ms; selegic_drift() memory: $dmem; reference memory: $rmem"
    done <"$RESULTS"
}
report
[ -z "$OUT" ] || report >"$OUT"
