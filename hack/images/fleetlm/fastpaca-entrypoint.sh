#!/bin/bash
# Fastpaca's docker-entrypoint.sh rule (after FleetLM's rename), for the test double: migrate on
# boot only when the archiver is on (FASTPACA_ARCHIVER_ENABLED true, 1, yes or on) and a database
# URL is set, with Fastpaca.ReleaseTasks.migrate(); then the release binary at its new path.
set -euo pipefail
APP_BIN="/app/fastpaca/bin/fastpaca"
CMD="${1:-start}"
MIGRATE_ON_BOOT="${MIGRATE_ON_BOOT:-true}"
run_migrations() {
  case "${FASTPACA_ARCHIVER_ENABLED:-}" in
    true|1|yes|on) ;;
    *) echo "Skipping database migrations (archiver disabled)."; return 0 ;;
  esac
  if [ -z "${DATABASE_URL:-${FASTPACA_POSTGRES_URL:-}}" ]; then
    echo "Skipping database migrations (no DATABASE_URL provided)."
    return 0
  fi
  echo "Running database migrations..."
  "$APP_BIN" eval 'Fastpaca.ReleaseTasks.migrate()'
}
case "$CMD" in
  start|start_iex|daemon|daemon_iex)
    if [ "$MIGRATE_ON_BOOT" = "true" ]; then
      run_migrations
    else
      echo "Skipping database migrations because MIGRATE_ON_BOOT=$MIGRATE_ON_BOOT"
    fi
    ;;
esac
exec "$APP_BIN" "$@"
