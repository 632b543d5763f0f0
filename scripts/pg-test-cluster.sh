#!/usr/bin/env bash
# A private PostgreSQL cluster for tests and benchmarks: in a temporary directory, on 127.0.0.1 on a
# free port, with a random password for the `postgres` role; never the machine's own cluster.
#
#   scripts/pg-test-cluster.sh start [--durable]   prints `export` lines: PG_CLUSTER_DIR, ISM_TEST_DATABASE_URL
#   scripts/pg-test-cluster.sh stop DIR            stops the cluster and deletes DIR
#   scripts/pg-test-cluster.sh run CMD ARGS...     starts one, runs CMD with those variables set, stops it (whatever CMD does)
#
# Tests run with fsync off (a crash loses nothing we keep); --durable keeps PostgreSQL's defaults
# and keeps commit timestamps, which the server bench times pushes from (use it for benchmarks). Needs Debian's PostgreSQL 15 (or PG_BIN pointing at initdb and pg_ctl).
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)}
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
  echo "PostgreSQL binaries not found (looked in /usr/lib/postgresql/*/bin)." >&2
  echo "The server tests run against PostgreSQL too: install it with" >&2
  echo "  apt-get install -y postgresql    (Debian: PostgreSQL 15; .ci/run installs it from scripts/ci-packages.txt)" >&2
  echo "or set PG_BIN to the folder holding initdb and pg_ctl." >&2
  exit 1
fi

# initdb refuses to run as root: run the cluster as the postgres user then.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local durable=0
  [ "${1:-}" = "--durable" ] && durable=1
  local dir
  dir=$(mktemp -d /tmp/ism-pg-XXXXXX)
  chmod 755 "$dir"
  local password
  password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
  printf '%s\n' "$password" >"$dir/pwfile"
  if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$dir"; fi
  as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" --auth-local=scram-sha-256 \
    --auth-host=scram-sha-256 -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }
  rm -f "$dir/pwfile"
  local port
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  local opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=200 -c shared_buffers=128MB"
  # Benchmarks time pushes from each commit: PostgreSQL keeps commit times (pg_xact_commit_timestamp).
  if [ $durable = 0 ]; then opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; else opts="$opts -c track_commit_timestamp=on"; fi
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 30 start >/dev/null || {
    cat "$dir/server.log" >&2
    exit 1
  }
  echo "export PG_CLUSTER_DIR=$dir"
  echo "export ISM_TEST_DATABASE_URL=postgres://postgres:$password@127.0.0.1:$port/postgres"
}

stop() {
  local dir=$1
  case "$dir" in /tmp/ism-pg-*) ;; *) echo "not a cluster of ours: $dir" >&2; exit 1 ;; esac
  if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop "$2" ;;
  run)
    shift
    durable=()
    if [ "${1:-}" = "--durable" ]; then durable=(--durable); shift; fi
    vars=$(start ${durable[@]+"${durable[@]}"})
    eval "$vars"
    trap 'stop "$PG_CLUSTER_DIR"' EXIT
    trap 'exit 130' INT TERM
    export PG_CLUSTER_DIR ISM_TEST_DATABASE_URL
    "$@"
    ;;
  *) echo "usage: $0 start [--durable] | stop DIR | run [--durable] CMD ARGS..." >&2; exit 2 ;;
esac
