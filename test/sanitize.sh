#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer run of the regression and
# isolation suites. Builds the extension with -fsanitize=address,undefined
# in a private copy of the sources, installs it into a private relocated copy
# of the PostgreSQL installation, starts a throwaway cluster from that copy
# with the sanitizer runtime preloaded, runs both suites, and fails on any
# suite failure, sanitizer report, crash or resource-leak warning. Nothing is
# built in the repository and nothing is installed into the system
# PostgreSQL. Run as root, after test/run_all.sh has installed the packages.
#   bash test/sanitize.sh [--keep] [--rev REV]
# By default the working tree is checked as it is (uncommitted edits
# included). --rev REV checks a commit instead (git archive), e.g. HEAD while
# the working tree is in the middle of an edit. --keep leaves the temp
# directory and the cluster running, for inspection.
# Environment: SANITIZE_PORT (default 5491), SANITIZE_JOBS (default nproc),
# SANITIZE_TIMEOUT (seconds per suite, default 900), SANITIZE_EXTRA_FLAGS
# (appended to the compile and link flags, e.g. -O1 for a faster build).
# docs/sanitizers.md explains the details.
set -uo pipefail

KEEP=0 REV=""
while [ $# -gt 0 ]; do
    case "$1" in
    --keep) KEEP=1 ;;
    --rev) REV=${2:?--rev needs a commit}; shift ;;
    --rev=*) REV=${1#--rev=} ;;
    -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: test/sanitize.sh [--keep] [--rev REV]" >&2; exit 2 ;;
    esac
    shift
done

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PORT=${SANITIZE_PORT:-5491}
JOBS=${SANITIZE_JOBS:-$(nproc)}
SUITE_TIMEOUT=${SANITIZE_TIMEOUT:-900}
SYS_PG=/usr/lib/postgresql/15
# The module keeps the normal build's -O2 (the optimiser is what turns some
# undefined behaviour into wrong results); -O1 saved only ~10% here.
SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all${SANITIZE_EXTRA_FLAGS:+ $SANITIZE_EXTRA_FLAGS}"
# detect_leaks=0: memory contexts free in bulk, so LeakSanitizer only reports
# noise. abort_on_error/halt_on_error: the backend dies at the first finding,
# so the test that triggered it fails too. log_path: one file per process
# that reported, named <log_path>.<pid>.
ASAN_OPTS="detect_leaks=0:abort_on_error=1"
# UBSan's log_path is set too, but measured here it has no effect with libasan
# in the same process (both runtimes export the same sanitizer_common
# symbols, and libasan's win): UBSan reports go to the server's stderr, i.e.
# the server log, which is scanned and printed below. These options are also
# compiled into the shim (see there), since UBSAN_OPTIONS cannot reach it.
UBSAN_OPTS="print_stacktrace=1:halt_on_error=1:abort_on_error=1"

started=$SECONDS
step() { echo "== sanitize [$((SECONDS - started))s]: $*"; }
die() { echo "sanitize: FAILED: $*" >&2; exit 1; }
as_postgres() { runuser -u postgres -- "$@"; }

[ "$(id -u)" = 0 ] || die "run as root (the server runs as the postgres OS user, through runuser)"
id postgres >/dev/null 2>&1 || die "no postgres OS user (is postgresql-15 installed?)"
for f in "$SYS_PG/bin/pg_config" "$SYS_PG/bin/postgres" /usr/include/postgresql/15/server/postgres.h; do
    [ -e "$f" ] || die "$f missing (install postgresql-15 and postgresql-server-dev-15)"
done
command -v g++ >/dev/null || die "g++ missing"
# gcc prints the bare name back when it has no such file.
ASAN_LIB=$(readlink -f "$(gcc -print-file-name=libasan.so)")
[ -f "$ASAN_LIB" ] || die "libasan not found (gcc -print-file-name=libasan.so); install libasan8"

TMP=$(mktemp -d /tmp/selegic_sanitize.XXXXXX) || die "mktemp"
chmod 755 "$TMP"                        # the postgres user must reach the cluster, the shim and the copy
PREFIX=$TMP/pg                          # relocated copy of the installation
BUILD=$TMP/build                        # copy of the sources, built here
CLUSTER=$TMP/cluster                    # data directory, socket and server log
REPORTS=$TMP/reports                    # asan.<pid> / ubsan.<pid> files
BIN=$PREFIX$SYS_PG/bin
PG_CONFIG=$BIN/pg_config

stop_cluster() {
    if [ -f "$CLUSTER/data/postmaster.pid" ]; then
        as_postgres "$BIN/pg_ctl" -D "$CLUSTER/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
            as_postgres "$BIN/pg_ctl" -D "$CLUSTER/data" -m immediate -w -t 30 stop >/dev/null 2>&1
    fi
}
cleanup() {
    if [ "$KEEP" = 1 ]; then
        echo "sanitize: kept $TMP"
        [ -f "$CLUSTER/data/postmaster.pid" ] &&
            echo "  cluster: export PGHOST='$CLUSTER' PGPORT='$PORT' PGUSER=postgres; stop with: runuser -u postgres -- $BIN/pg_ctl -D $CLUSTER/data stop"
        return
    fi
    stop_cluster
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM                # run the EXIT trap on ^C / kill too

step "relocated copy of PostgreSQL in $PREFIX"
mkdir -p "$PREFIX/usr/lib/postgresql" "$PREFIX/usr/share/postgresql" "$PREFIX/usr/include"
cp -a "$SYS_PG" "$PREFIX/usr/lib/postgresql/" &&
    cp -a /usr/share/postgresql/15 "$PREFIX/usr/share/postgresql/" &&
    cp -a /usr/include/postgresql "$PREFIX/usr/include/" || die "copying the installation"
# pg_config computes its directories relative to its own location, so the
# copy's one points inside the prefix, and PGXS installs there. Check it: the
# system PostgreSQL must not be touched.
for opt in --bindir --sharedir --pkglibdir --includedir-server --pgxs; do
    dir=$("$PG_CONFIG" "$opt") || die "$PG_CONFIG $opt"
    case "$dir" in "$PREFIX"/*) ;; *) die "copied pg_config $opt is $dir, outside $PREFIX" ;; esac
done
# An extension installed by the normal run is in the copy too; remove it so
# that only what this run builds can be loaded.
rm -rf "$("$PG_CONFIG" --pkglibdir)"/selegic_drift.so "$("$PG_CONFIG" --pkglibdir)"/bitcode/selegic_drift* \
    "$("$PG_CONFIG" --sharedir)"/extension/selegic_drift[.-]*

step "copy the sources (${REV:-working tree}) to $BUILD"
mkdir -p "$BUILD"
if [ -n "$REV" ]; then
    git -c safe.directory="$ROOT" -C "$ROOT" archive --format=tar "$REV" | tar -C "$BUILD" -xf - ||
        die "git archive $REV"
elif git -c safe.directory="$ROOT" -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked and untracked-but-not-ignored files as they are in the working
    # tree (uncommitted edits included); files deleted but not yet staged are
    # skipped. tar keeps the modification times, so make behaves as in place.
    (cd "$ROOT" && git -c safe.directory="$ROOT" ls-files -z -co --exclude-standard |
        while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
        tar --null -T - -cf -) | tar -C "$BUILD" -xf - || die "copying the sources"
else
    # No git (a tarball checkout): everything but build products, as .gitignore.
    tar -C "$ROOT" --exclude=./.git --exclude=./build --exclude=./results --exclude=./output_iso \
        --exclude=./tmp_check --exclude=./log --exclude=./.deps --exclude=./test/bench/out \
        --exclude=./regression.diffs --exclude=./regression.out \
        --exclude='*.o' --exclude='*.so' --exclude='*.bc' -cf - . | tar -C "$BUILD" -xf - ||
        die "copying the sources"
fi

step "build with $SAN_FLAGS"
# The flags are appended by a second makefile read after the project's own,
# so its PG_CXXFLAGS and SHLIB_LINK stay the single source of truth. The
# compile rule and the link of MODULE_big expand CXXFLAGS and SHLIB_LINK when
# they run, i.e. after both makefiles are read; "override" because PGXS
# itself sets CXXFLAGS with override (and so would a command-line value).
cat >"$TMP/sanitize.mk" <<'EOF'
override CXXFLAGS += $(SANITIZE_FLAGS)
override SHLIB_LINK += $(SANITIZE_FLAGS)
EOF
MAKE_ARGS=(-f Makefile -f "$TMP/sanitize.mk" PG_CONFIG="$PG_CONFIG" SANITIZE_FLAGS="$SAN_FLAGS")
if ! (cd "$BUILD" && make -j"$JOBS" "${MAKE_ARGS[@]}" && make "${MAKE_ARGS[@]}" install) >"$TMP/build.log" 2>&1; then
    tail -n 60 "$TMP/build.log"
    die "build or install (log above)"
fi
MODULE=$("$PG_CONFIG" --pkglibdir)/selegic_drift.so
# Make sure the flags took effect: an uninstrumented module would pass trivially.
readelf -d "$MODULE" 2>/dev/null | grep -q 'NEEDED.*libasan' || die "$MODULE is not linked with libasan (flags not applied?)"
readelf -d "$MODULE" 2>/dev/null | grep -q 'NEEDED.*libubsan' || die "$MODULE is not linked with libubsan (flags not applied?)"

step "preload shim"
# 1. With libasan preloaded, glibc's bindtextdomain(), called by every
# PostgreSQL program at start-up, waits forever on _nl_state_lock. This
# object, preloaded after libasan, replaces the three gettext set-up calls by
# no-ops: messages stay untranslated, which the expected files want anyway.
# 2. The sanitizers read their options from /proc/self/environ, not from
# environ. libubsan comes with the module, and initialises at the first
# report, in a backend, whose /proc/self/environ PostgreSQL has overwritten
# with the ps title by then: UBSAN_OPTIONS is never seen (measured: report
# without a stack, backend exits with code 1 instead of aborting; the same
# with libubsan preloaded, as it still initialises lazily). The runtime also
# asks __ubsan_default_options(), which this object, loaded before libubsan,
# defines (measured: stack printed, backend aborts).
mkdir -p "$TMP/shim"
cat >"$TMP/shim/shim.c" <<EOF
char *bindtextdomain(const char *domainname, const char *dirname) { (void) domainname; return (char *) dirname; }
char *textdomain(const char *domainname) { return (char *) domainname; }
char *bind_textdomain_codeset(const char *domainname, const char *codeset) { (void) domainname; return (char *) codeset; }
const char *__ubsan_default_options(void) { return "$UBSAN_OPTS"; }
EOF
SHIM=$TMP/shim/shim.so
gcc -shared -fPIC -O2 -o "$SHIM" "$TMP/shim/shim.c" || die "building the shim"

step "cluster on port $PORT (unix socket in $CLUSTER)"
mkdir -p "$CLUSTER" "$REPORTS"
chown postgres:postgres "$CLUSTER" "$REPORTS"
chmod 700 "$CLUSTER"
# initdb runs the server binary in bootstrap and single-user mode, but never
# loads the extension, so it runs without the sanitizer runtime (faster, and
# nothing instrumented would run). Same for the clients below (psql,
# pg_regress, isolationtester, pg_dump): they never load the module.
(cd "$TMP" && as_postgres "$BIN/initdb" -D "$CLUSTER/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8) \
    >"$TMP/initdb.log" 2>&1 || { cat "$TMP/initdb.log"; die "initdb"; }
cat >>"$CLUSTER/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$CLUSTER'
port = $PORT
fsync = off
log_min_messages = warning
EOF
# Only the server gets the runtime: LD_PRELOAD is set for pg_ctl, which passes
# its environment to the postmaster, whose backends are forked from it and
# dlopen the instrumented module. libasan must come first in the process
# (ASan refuses to start otherwise); it reads ASAN_OPTIONS at start-up, in
# the postmaster. The module brings libubsan with it when it is loaded.
(cd "$TMP" && as_postgres env LD_PRELOAD="$ASAN_LIB $SHIM" \
    ASAN_OPTIONS="$ASAN_OPTS:log_path=$REPORTS/asan" \
    UBSAN_OPTIONS="$UBSAN_OPTS:log_path=$REPORTS/ubsan" \
    "$BIN/pg_ctl" -D "$CLUSTER/data" -l "$CLUSTER/server.log" -w -t 120 start) >/dev/null ||
    { tail -n 30 "$CLUSTER/server.log"; die "starting the cluster"; }

export PATH="$BIN:$PATH" PGHOST="$CLUSTER" PGPORT="$PORT" PGUSER=postgres PGDATABASE=postgres
# A backend that loaded the module must have the sanitizer runtime and this
# run's module mapped; otherwise the run would check nothing.
maps=$(psql -X -At -v ON_ERROR_STOP=1 -c "LOAD 'selegic_drift'" \
    -c "SELECT pg_read_file('/proc/self/maps')" 2>&1) || { echo "$maps"; die "checking the backend"; }
grep -qF "$ASAN_LIB" <<<"$maps" || die "the backend has no libasan mapped"
grep -qF "libubsan" <<<"$maps" || die "the backend has no libubsan mapped"
grep -qF "$MODULE" <<<"$maps" || die "the backend did not load $MODULE"

declare -a names results
record() { names+=("$1"); results+=("$2"); }

# After a crash the server goes through recovery; let it finish, so that the
# next suite's results are its own.
# (pg_isready answers at once while the server rejects connections: poll.)
wait_ready() {
    local i
    for i in $(seq 120); do pg_isready -q && return 0; sleep 1; done
    echo "sanitize: server not ready after 120s"
}

step "regression tests (pg_regress)"
if (cd "$BUILD" && timeout --foreground "$SUITE_TIMEOUT" make -s "${MAKE_ARGS[@]}" installcheck ISOLATION=); then
    record regress pass
else
    [ -f "$BUILD/regression.diffs" ] && head -n 100 "$BUILD/regression.diffs"
    record regress FAIL
fi

step "concurrency tests (pg_isolation_regress)"
wait_ready
if (cd "$BUILD" && timeout --foreground "$SUITE_TIMEOUT" make -s "${MAKE_ARGS[@]}" installcheck REGRESS=); then
    record isolation pass
else
    [ -f "$BUILD/output_iso/regression.diffs" ] && head -n 100 "$BUILD/output_iso/regression.diffs"
    record isolation FAIL
fi

# Stop first, so that every process has finished writing its report.
[ "$KEEP" = 1 ] || stop_cluster

step "sanitizer reports"
shopt -s nullglob
reports=("$REPORTS"/asan.* "$REPORTS"/ubsan.*)
shopt -u nullglob
if [ "${#reports[@]}" -eq 0 ]; then
    record reports pass
else
    echo "${#reports[@]} report file(s): ${reports[*]##*/}"
    echo "--- first report (${reports[0]##*/}):"
    head -n 120 "${reports[0]}"
    echo "---"
    record reports FAIL
fi

step "server log"
# Reports that did not go to a file, crashes (abort_on_error, SEGV, any exit
# that makes the postmaster reinitialise), and
# PostgreSQL's resource-leak warnings (relcache, snapshot, buffer, TupleDesc,
# plancache, ... "reference leak" / "leak"), which the regression output may
# not show if a test's expected file was accepted with them.
pattern='runtime error:|AddressSanitizer|UndefinedBehaviorSanitizer|WARNING: .*leak|terminated by signal|terminating any other active server processes|TRAP:'
if grep -E -q "$pattern" "$CLUSTER/server.log"; then
    grep -E -n -m 20 "$pattern" "$CLUSTER/server.log"
    # The first sanitizer report written to the log (UBSan's always are), up
    # to the next line of PostgreSQL's own.
    first=$(grep -E -n -m 1 'runtime error:|ERROR: AddressSanitizer' "$CLUSTER/server.log" | cut -d: -f1)
    if [ -n "$first" ]; then
        echo "--- first report in the server log (line $first):"
        awk -v first="$first" 'NR < first { next }
            NR > first && /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] / { exit }
            NR > first + 120 { exit } { print }' "$CLUSTER/server.log"
        echo "---"
    fi
    record "server log" FAIL
else
    record "server log" pass
fi

elapsed=$((SECONDS - started))
fail=0 summary=""
for i in "${!names[@]}"; do
    summary+="${names[$i]} ${results[$i]}, "
    [ "${results[$i]}" = pass ] || fail=$((fail + 1))
done
if [ "$fail" -eq 0 ]; then verdict=PASS; else verdict=FAIL; fi
echo "sanitize: $verdict (${summary%, }) in ${elapsed}s"
[ "$fail" -eq 0 ]
