#!/usr/bin/env bash
# make bench: measures the packaged operator on a local cluster configured for scale (client rate
# limits of the cluster's controllers lifted, 40 kwok nodes, room for 65,000 ClusterIPs) and writes target/bench/report.md,
# ready-over-time.png and results.json. With KUBECONFIG set it uses that cluster instead (API
# request counts need the local cluster's audit log). BENCH_SIZES (default 10,100,1000) and
# BENCH_UPGRADES (default 3) set the runs. Not part of make test: it reports figures, not pass/fail.
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
  FLEETLM_CLUSTER_UNLIMITED_QPS=1 FLEETLM_CLUSTER_NODES="${BENCH_NODES:-40}" \
    FLEETLM_CLUSTER_SERVICE_CIDR=10.0.0.0/16 hack/cluster/cluster.sh up
  export KUBECONFIG="$root/target/cluster/kubeconfig"
fi
export PATH="$(hack/tools/build.sh | tail -n 1):$PATH"
mvn -B -q package -DskipTests
mvn -B -q test-compile org.codehaus.mojo:exec-maven-plugin:3.5.0:exec -Dexec.classpathScope=test \
  -Dexec.executable=java \
  -Dexec.args="-Djava.awt.headless=true -Dbench.sizes=${BENCH_SIZES:-10,100,1000} -Dbench.upgrades=${BENCH_UPGRADES:-3} -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp %classpath io.fleetlm.operator.bench.RolloutBenchmark"
echo "bench: report in target/bench/report.md"
