#!/usr/bin/env bash
# A local PostgreSQL on 127.0.0.1 for the demo, from Debian's package (installed when missing).
# Usage: postgres.sh up|down|url. Data lives in target/postgres; port FLEETLM_PG_PORT (55432).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${FLEETLM_PG_PORT:-55432}"
data="$root/target/postgres/data"
log="$root/target/postgres/postgres.log"
password="demo-password"

say() { echo "postgres: $*" >&2; }

pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [[ -z "$dir" ]]; then
    say "installing Debian's postgresql package"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    dir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
  echo "$dir"
}

# PostgreSQL refuses to run as root; run it as the 'postgres' user the package creates.
as_db_user() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

up() {
  local bin
  bin="$(pg_bin)"
  mkdir -p "$(dirname "$data")"
  if [[ ! -f "$data/PG_VERSION" ]]; then
    mkdir -p "$data"
    [[ $(id -u) == 0 ]] && chown -R postgres: "$(dirname "$data")"
    local pwfile
    pwfile="$(dirname "$data")/pwfile"
    echo "$password" >"$pwfile"
    [[ $(id -u) == 0 ]] && chown postgres: "$pwfile"
    as_db_user "$bin/initdb" -D "$data" -U postgres --auth=scram-sha-256 --pwfile="$pwfile" >/dev/null
    rm -f "$pwfile"
  fi
  if as_db_user "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    say "already running on 127.0.0.1:$port"
    return
  fi
  as_db_user "$bin/pg_ctl" -D "$data" -l "$log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$(dirname "$data")" start >/dev/null
  say "running on 127.0.0.1:$port"
}

down() {
  local bin
  bin="$(pg_bin)"
  if [[ -f "$data/PG_VERSION" ]] && as_db_user "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_db_user "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  fi
  say "stopped"
}

psql_cmd() {
  PGPASSWORD="$password" "$(pg_bin)/psql" -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  url) echo "ecto://postgres:$password@127.0.0.1:$port/${2:-fleetlm}" ;;
  psql) shift; psql_cmd "$@" ;;
  *) echo "usage: $0 up|down|url [db]|psql ARGS" >&2; exit 2 ;;
esac
