#!/usr/bin/env bash
# Throwaway PostgreSQL clusters for tests and the demo.
#   test/pg_cluster.sh start DIR [PORT] [extra postgresql.conf lines...]
#   test/pg_cluster.sh stop DIR
# The server runs as the postgres OS user (PostgreSQL refuses root), listens
# only on a unix socket inside DIR, and prints the environment to reach it:
#   eval "$(test/pg_cluster.sh start /tmp/x 5499)"
set -euo pipefail

PGBIN=${PGBIN:-$(pg_config --bindir)}
cmd=${1:?usage: pg_cluster.sh start|stop DIR [PORT]}
dir=${2:?cluster directory}

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

case "$cmd" in
start)
    port=${3:-5499}
    shift 3 || shift $#
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    chmod 700 "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_postgres "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
            --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
        {
            echo "listen_addresses = ''"
            echo "unix_socket_directories = '$dir'"
            echo "port = $port"
            echo "fsync = off"
            echo "log_min_messages = warning"
            for line in "$@"; do echo "$line"; done
        } >>"$dir/data/postgresql.conf"
    fi
    as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
        || { tail -n 30 "$dir/server.log" >&2; exit 1; }
    echo "export PGHOST='$dir' PGPORT='$port' PGUSER=postgres PGDATABASE=postgres"
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    ;;
*)
    echo "usage: pg_cluster.sh start|stop DIR [PORT]" >&2
    exit 2
    ;;
esac
