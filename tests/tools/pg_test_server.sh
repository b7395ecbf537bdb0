#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests, on loopback only.
#   pg_test_server.sh start DIR PORT   initdb into DIR, start on 127.0.0.1:PORT,
#                                      create database almanac_test, print its URL
#   pg_test_server.sh stop DIR PORT    stop the server and remove DIR
# Trust authentication and fsync=off: never point it at data you keep.
# PostgreSQL refuses to run as root, so as root the server runs as the
# `postgres` system user (installed with Debian's postgresql package).
# Binaries: $PG_BINDIR, else the newest /usr/lib/postgresql/*/bin.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR PORT" >&2; exit 2; }
[[ $# -eq 3 ]] || usage
action=$1 dir=$2 port=$3
[[ $port =~ ^[0-9]+$ ]] || usage

bindir=${PG_BINDIR:-}
if [[ -z $bindir ]]; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [[ -z $bindir || ! -x $bindir/pg_ctl ]]; then
  echo "pg_test_server: PostgreSQL server binaries not found (install Debian's postgresql" \
       "package: bash scripts/install-deps.sh, or set PG_BINDIR)" >&2
  exit 1
fi

as_owner=()
if [[ $(id -u) -eq 0 ]]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "pg_test_server: running as root and no 'postgres' user to run the server as" >&2
    exit 1
  fi
  as_owner=(runuser -u postgres --)
fi
data=$dir/data
# When the server's user cannot reach DIR (a parent directory closed to
# others), the data lives in a private directory under /tmp instead, and
# DIR/datadir says where.
if [[ -f $dir/datadir ]]; then data=$(cat "$dir/datadir"); fi

stop_server() {
  if [[ -f $data/postmaster.pid ]]; then
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
}

remove_all() {
  if [[ $data != "$dir/data" ]]; then rm -rf "$(dirname "$data")"; fi
  rm -rf "$dir"
}

case $action in
  start)
    # A server left behind by an interrupted run is stopped and replaced.
    stop_server
    remove_all
    mkdir -p "$dir"
    data=$dir/data
    if [[ ${#as_owner[@]} -gt 0 ]]; then
      chown postgres: "$dir"
      if ! "${as_owner[@]}" test -w "$dir"; then
        data=$(mktemp -d /tmp/almanac-pg.XXXXXX)/data
        chown postgres: "$(dirname "$data")"
        echo "$data" >"$dir/datadir"
      fi
    fi
    "${as_owner[@]}" "$bindir/initdb" -D "$data" -U almanac -A trust -E UTF8 --locale=C \
      --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    opts="-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='' -c fsync=off"
    opts+=" -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    if ! "${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -o "$opts" -l "$(dirname "$data")/server.log" -w -t 60 \
      start >/dev/null; then
      echo "pg_test_server: the server did not start (is port $port taken?); its log:" >&2
      cat "$(dirname "$data")/server.log" >&2 || true
      exit 1
    fi
    "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U almanac -d postgres \
      -c 'CREATE DATABASE almanac_test' >/dev/null
    echo "postgresql://almanac@127.0.0.1:$port/almanac_test"
    ;;
  stop)
    stop_server
    remove_all
    ;;
  *)
    usage
    ;;
esac
