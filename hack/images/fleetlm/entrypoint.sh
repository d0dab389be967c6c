#!/bin/sh
# Stands in for FleetLM's docker-entrypoint.sh: migrate on boot unless MIGRATE_ON_BOOT is not
# exactly "true", and only for the commands that boot the node; then run the release binary.
set -e
MIGRATE_ON_BOOT="${MIGRATE_ON_BOOT:-true}"
case "${1:-}" in
  start|start_iex|daemon|daemon_iex)
    if [ "$MIGRATE_ON_BOOT" = "true" ]; then
      /app/fleetlm/bin/fleetlm eval "Fleetlm.Release.migrate"
    else
      echo "Skipping database migrations because MIGRATE_ON_BOOT=$MIGRATE_ON_BOOT"
    fi
    ;;
esac
exec /app/fleetlm/bin/fleetlm "$@"
