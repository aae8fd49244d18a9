#!/usr/bin/env bash
# Every test, from a fresh Debian 12 machine: installs what it needs, builds
# and installs the extension, runs the core's unit tests, starts a throwaway
# cluster and runs the regression suite against it. Run as root (or with sudo).
#   bash test/run_all.sh
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

PACKAGES="postgresql-15 postgresql-server-dev-15 libboost-container-dev libgtest-dev
libbenchmark-dev cmake g++ make python3"
missing=$(for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
    echo "== installing: $(echo $missing)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq $missing >/dev/null || {
        echo "FAILED: could not install $(echo $missing)"; exit 1; }
fi
export PATH="/usr/lib/postgresql/15/bin:$PATH"

declare -a names results
record() { names+=("$1"); results+=("$2"); }

echo "== build and install the extension"
if make -s clean >/dev/null && make -s WERROR=-Werror >/tmp/selegic_build.log 2>&1 && make -s install >>/tmp/selegic_build.log 2>&1; then
    record "build+install" pass
else
    cat /tmp/selegic_build.log; record "build+install" FAIL
    echo "0 passed, 1 failed"; exit 1
fi

echo "== META.json against the PGXN meta spec"
if bash test/meta_check.sh >/tmp/selegic_meta.log 2>&1; then
    record "meta" pass
else
    grep -v '^PASS' /tmp/selegic_meta.log; record "meta" FAIL
fi

echo "== core unit tests (GoogleTest)"
if cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
    cmake --build build -j2 >/tmp/selegic_cmake.log 2>&1 &&
    (cd build && ctest --output-on-failure); then
    record "unit" pass
else
    tail -n 40 /tmp/selegic_cmake.log; record "unit" FAIL
fi

CLUSTER=$(mktemp -d /tmp/selegic_test.XXXXXX)
cleanup() { "$ROOT/test/pg_cluster.sh" stop "$CLUSTER"; rm -rf "$CLUSTER"; }
trap cleanup EXIT
eval "$("$ROOT/test/pg_cluster.sh" start "$CLUSTER" 5498)"

echo "== regression tests (pg_regress)"
if make -s installcheck ISOLATION=; then
    record "regress" pass
else
    [ -f regression.diffs ] && head -n 200 regression.diffs
    record "regress" FAIL
fi

# Again, with every selegic_drift() answered from a backend's cache checked
# against a cold computation (an internal error on any difference).
echo "== regression tests with the drift cache verified"
if PGOPTIONS="-c selegic.drift_cache_verify=on" make -s installcheck ISOLATION=; then
    record "regress:cache" pass
else
    [ -f regression.diffs ] && head -n 200 regression.diffs
    record "regress:cache" FAIL
fi

echo "== concurrency tests (pg_isolation_regress)"
if make -s installcheck REGRESS=; then
    record "isolation" pass
else
    [ -f output_iso/regression.diffs ] && head -n 200 output_iso/regression.diffs
    record "isolation" FAIL
fi

echo "== sanitizers (ASan + UBSan): the regression and isolation suites again"
if bash test/sanitize.sh; then record "sanitize" pass; else record "sanitize" FAIL; fi

# End-to-end tests: several sessions, a crash, or several clusters. Each
# script ends with "N passed, M failed" and exits non-zero on failure; those
# that need one use the cluster above (PGHOST/PGPORT), the fleet test starts
# its own three.
for script in test/e2e/*.sh; do
    name=$(basename "$script" .sh)
    echo "== e2e: $name"
    if bash "$script"; then record "e2e:$name" pass; else record "e2e:$name" FAIL; fi
done

# PostgreSQL warns of a resource it had to clean up for us (a relation, a
# TupleDesc, a snapshot left open): none may appear in the suite's server log.
echo "== resource leak warnings in the server log"
leaks=$(grep -c "WARNING: .*leak" "$CLUSTER/server.log" 2>/dev/null || true)
if [ "${leaks:-0}" = 0 ]; then
    record "no-leak-warnings" pass
else
    grep "WARNING: .*leak" "$CLUSTER/server.log" | head -n 20
    record "no-leak-warnings" FAIL
fi

echo
echo "== summary"
pass=0 fail=0
for i in "${!names[@]}"; do
    printf '  %-16s %s\n' "${names[$i]}" "${results[$i]}"
    if [ "${results[$i]}" = pass ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
