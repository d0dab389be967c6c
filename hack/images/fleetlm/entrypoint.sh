#!/bin/bash
# FleetLM's docker-entrypoint.sh rule, for the test double: with a first argument of start,
# start_iex, daemon or daemon_iex (or none: start), migrate first when MIGRATE_ON_BOOT is exactly
# "true" (the default); a failed migration ends the container. Any other command skips. Then the
# release binary runs with all the arguments.
set -euo pipefail
APP_BIN="/app/fleetlm/bin/fleetlm"
CMD="${1:-start}"
MIGRATE_ON_BOOT="${MIGRATE_ON_BOOT:-true}"
case "$CMD" in
  start|start_iex|daemon|daemon_iex)
    if [ "$MIGRATE_ON_BOOT" = "true" ]; then
      echo "Running database migrations..."
      "$APP_BIN" eval "Fleetlm.Release.migrate"
    else
      echo "Skipping database migrations because MIGRATE_ON_BOOT=$MIGRATE_ON_BOOT"
    fi
    ;;
esac
exec "$APP_BIN" "$@"
