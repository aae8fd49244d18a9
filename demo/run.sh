#!/usr/bin/env bash
# The selegic_drift demo, from a fresh Debian 12 machine: installs what it
# needs, builds and installs the extension, starts a throwaway cluster, creates
# the database tenant_demo with a small Selegic tenant (demo/tenant.sql),
# breaks it the ways the Selegic runbook describes, repairs it with
# selegic_resync_all() and diagnoses the rest with the runbook helpers. A few
# statements fail on purpose, to show their errors; the script exits 0.
# Run as root (or with sudo): it runs apt-get install and make install.
#   bash demo/run.sh
# The cluster lives in a temporary directory that is removed on exit.
# DEMO_PORT chooses its port (default 5497; it listens only on a unix socket
# inside that directory, so it cannot clash with a running server).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [ "$(id -u)" -ne 0 ]; then
    echo "demo/run.sh must run as root (or with sudo): it installs packages and the extension" >&2
    exit 1
fi

PACKAGES="postgresql-15 postgresql-server-dev-15 libboost-container-dev g++ make"
missing=$(for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
    echo "== installing: $(echo $missing)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq $missing >/dev/null
fi
export PATH="/usr/lib/postgresql/15/bin:$PATH"

# pg_cluster.sh hands CLUSTER to the postgres OS user; the build log stays apart.
CLUSTER=$(mktemp -d /tmp/selegic_demo.XXXXXX)
BUILD_LOG=$(mktemp /tmp/selegic_demo_build.XXXXXX)
cleanup() {
    "$ROOT/test/pg_cluster.sh" stop "$CLUSTER" || true
    rm -rf "$CLUSTER" "$BUILD_LOG"
}
trap cleanup EXIT

echo "== build and install the extension"
if ! { make -s clean && make -s && make -s install; } >"$BUILD_LOG" 2>&1; then
    cat "$BUILD_LOG" >&2
    echo "demo/run.sh: build or install failed" >&2
    exit 1
fi

echo "== start a throwaway cluster in $CLUSTER"
cluster_env=$("$ROOT/test/pg_cluster.sh" start "$CLUSTER" "${DEMO_PORT:-5497}")
eval "$cluster_env"

createdb tenant_demo
psql -X -q -v ON_ERROR_STOP=1 -d tenant_demo -c "CREATE EXTENSION selegic_drift"
echo "== CREATE EXTENSION selegic_drift in database tenant_demo"

# A relative path, so the errors shown on purpose read "psql:demo/tenant.sql:N:"
# wherever the repository is.
psql -X -q -v ON_ERROR_STOP=1 -d tenant_demo -f demo/tenant.sql

echo
echo "== demo finished; the cluster is stopped and removed"
