#!/usr/bin/env bash
# make e2e: the end-to-end suite (*E2E) on a real kubelet node beside the kwok nodes. Builds the
# operator and the images (no registry: hack/images/build.sh), starts the cluster with
# REAL_NODE=1, runs the suite, and stops everything it started. With KUBECONFIG set, runs against
# that cluster instead (it needs a node tainted fleetlm.io/real-node that has the images).
# Skips, saying why, on a machine that cannot run a real node (not root, no cgroups); fails
# instead under CI=true.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { echo "e2e: $*" >&2; }

# Where the machine cannot run a real node the suite skips, saying why; under CI=true that is a
# failure, so that CI never passes without the suite having run.
cannot_run() {
  if [[ "${CI:-}" == "true" ]]; then
    say "FAILED: $1, and CI=true needs the real-node suite to run"
    exit 1
  fi
  say "SKIPPED: $1"
  exit 0
}
if [[ -z "${KUBECONFIG:-}" ]]; then
  if [[ $(id -u) != 0 ]]; then cannot_run "a real kubelet node needs root"; fi
  if ! ls /sys/fs/cgroup/*/ >/dev/null 2>&1 && [[ ! -f /sys/fs/cgroup/cgroup.controllers ]]; then
    cannot_run "no cgroup file system"
  fi
fi
FLEETLM_TOOLS_BIN="$(hack/tools/build.sh | tail -n 1)"
export FLEETLM_TOOLS_BIN
mvn -B -q package -DskipTests
started=0
# Whatever happens, the cluster and the real node go; a node that leaves something behind fails.
cleanup() {
  local status=$?
  if [[ $started == 1 ]]; then
    hack/cluster/cluster.sh down || status=1
  fi
  exit $status
}
trap cleanup EXIT
if [[ -z "${KUBECONFIG:-}" ]]; then
  FLEETLM_IMAGE_ARCHIVES="$(hack/images/build.sh | tail -n 1)"
  export FLEETLM_IMAGE_ARCHIVES
  # A cluster left running without a real node would not do.
  hack/cluster/cluster.sh down
  REAL_NODE=1 hack/cluster/cluster.sh up
  started=1
  export KUBECONFIG="$root/target/cluster/kubeconfig"
fi
mvn -B verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test='*E2E' -DskipCrdCheck=true
