#!/usr/bin/env bash
# The build context of one image of the FleetLM test double: its Elixir sources, migrations,
# entrypoint, release script, application file and a fresh cookie. Prints the release's name
# (fleetlm, or fastpaca for Fastpaca's layout). Used by hack/images/build.sh (with the
# Containerfile here) and by the tests that run the double on the host.
# Usage: context.sh TAG DIR
#   1         the first two migrations
#   2         1 + two more
#   broken    2 + one that fails (duplicate_column)
#   slow      2 + one that takes 20 s and cannot be reverted
#   fastpaca  Fastpaca's layout after FleetLM's rename: /app/fastpaca/bin/fastpaca,
#             Fastpaca.ReleaseTasks.migrate/0 only, its own migration
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tag="$1" context="$2"
release=fleetlm
case "$tag" in
  1) keep=(20250930063818 20251001063431) ;;
  2) keep=(20250930063818 20251001063431 20251005104320 20251019063736) ;;
  broken) keep=(20250930063818 20251001063431 20251005104320 20251019063736 20251021155555) ;;
  slow) keep=(20250930063818 20251001063431 20251005104320 20251019063736 20251115090000) ;;
  fastpaca) release=fastpaca keep=(20251030000100) ;;
  *) echo "context.sh: no tag $tag" >&2; exit 1 ;;
esac
mkdir -p "$context/lib" "$context/migrations"
for source in "$here"/lib/*.ex; do
  case "$(basename "$source")" in
    fleetlm_release.ex) [[ $release == fleetlm ]] || continue ;;
    fastpaca_release_tasks.ex) [[ $release == fastpaca ]] || continue ;;
  esac
  cp "$source" "$context/lib/"
done
for version in "${keep[@]}"; do cp "$here"/migrations/"${version}"_* "$context/migrations/"; done
if [[ $release == fleetlm ]]; then
  cp "$here/entrypoint.sh" "$context/entrypoint.sh"
else
  cp "$here/fastpaca-entrypoint.sh" "$context/entrypoint.sh"
fi
cp "$here/release.sh" "$here/app/$release.app" "$context/"
# mix release generates a random cookie per build: pods of two images only connect when
# RELEASE_COOKIE is set to one value for both.
head -c 15 /dev/urandom | base32 >"$context/COOKIE"
echo "$release"
