#!/usr/bin/env bash
# The README's test command: unit tests, then the integration tests on a real cluster and a real
# PostgreSQL. With KUBECONFIG already set, the integration tests use that cluster instead of
# starting the local one.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Integration tests run helm and kubectl from the per-machine tool cache.
FLEETLM_TOOLS_BIN="$(hack/tools/build.sh | tail -n 1)"
export FLEETLM_TOOLS_BIN

started_cluster=0
cleanup() {
  if [[ $started_cluster == 1 ]]; then
    hack/cluster/cluster.sh down || true
  fi
}
trap cleanup EXIT

if [[ -z "${KUBECONFIG:-}" ]]; then
  hack/cluster/cluster.sh up
  started_cluster=1
  export KUBECONFIG="$root/target/cluster/kubeconfig"
fi
echo "test: integration tests run against $(grep -m1 'server:' "$KUBECONFIG" | awk '{print $2}')"
mvn -B verify
