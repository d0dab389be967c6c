#!/usr/bin/env bash
# make bench: measures the packaged operator on a local cluster configured for scale (client rate
# limits of the cluster's controllers lifted, 40 kwok nodes, room for 65,000 ClusterIPs) and writes target/bench/report.md,
# ready-over-time.png and results.json. With KUBECONFIG set it uses that cluster instead (API
# request counts need the local cluster's audit log). BENCH_SIZES (default 10,100,1000) and
# BENCH_UPGRADES (default 3) set the runs. Reaction is measured against a minimal client-go
# controller (hack/bench/floor), built here with the machine's Go. With REAL_NODE=1 (root) the
# cluster also gets the real kubelet node, and the FleetLM double's clustered roll is measured on it
# too (BENCH_CLUSTER_RUNS, default 3): target/bench/cluster-roll.md. Not part of make test: it
# reports figures, not pass/fail.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
started=0
cleanup() { [[ $started == 1 ]] && hack/cluster/cluster.sh down || true; }
trap cleanup EXIT
if [[ -z "${KUBECONFIG:-}" ]]; then
  # A running local cluster may lack the scale settings: start one that has them.
  hack/cluster/cluster.sh down >/dev/null 2>&1 || true
  started=1
  if [[ "${REAL_NODE:-}" == 1 ]]; then
    mvn -B -q package -DskipTests
    FLEETLM_IMAGE_ARCHIVES="$(hack/images/build.sh | tail -n 1)"
    export FLEETLM_IMAGE_ARCHIVES
  fi
  FLEETLM_CLUSTER_UNLIMITED_QPS=1 FLEETLM_CLUSTER_NODES="${BENCH_NODES:-40}" \
    FLEETLM_CLUSTER_SERVICE_CIDR=10.0.0.0/16 hack/cluster/cluster.sh up
  export KUBECONFIG="$root/target/cluster/kubeconfig"
fi
export PATH="$(hack/tools/build.sh | tail -n 1):$PATH"
# The client-go floor controller, built once per machine and inputs, outside the repository.
floor_dir="$root/hack/bench/floor"
floor_key="$(cat "$floor_dir/go.mod" "$floor_dir/go.sum" "$floor_dir/main.go" | sha256sum | cut -c1-12)-$(go env GOVERSION)"
floor="${XDG_CACHE_HOME:-$HOME/.cache}/fleetlm-operator/bench/floor-$floor_key"
if [[ ! -x "$floor" ]]; then
  echo "bench: building the client-go floor controller (hack/bench/floor)"
  mkdir -p "$(dirname "$floor")"
  (cd "$floor_dir" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$floor.tmp" .) \
    && mv "$floor.tmp" "$floor" \
    || { echo "bench: the client-go floor did not build; the report measures the in-JVM floor only" >&2; floor=""; }
fi
mvn -B -q package -DskipTests
mvn -B -q test-compile org.codehaus.mojo:exec-maven-plugin:3.5.0:exec -Dexec.classpathScope=test \
  -Dexec.executable=java \
  -Dexec.args="-Djava.awt.headless=true -Dbench.sizes=${BENCH_SIZES:-10,100,1000} -Dbench.upgrades=${BENCH_UPGRADES:-3} -Dbench.floor=$floor -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp %classpath io.fleetlm.operator.bench.RolloutBenchmark"
if [[ "${REAL_NODE:-}" == 1 ]]; then
  mvn -B -q org.codehaus.mojo:exec-maven-plugin:3.5.0:exec -Dexec.classpathScope=test \
    -Dexec.executable=java \
    -Dexec.args="-Dbench.clusterRuns=${BENCH_CLUSTER_RUNS:-3} -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp %classpath io.fleetlm.operator.e2e.ClusterRollBench"
  echo "bench: clustered roll on the real node in target/bench/cluster-roll.md"
fi
echo "bench: report in target/bench/report.md"
