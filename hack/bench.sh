#!/usr/bin/env bash
# make bench: runs the packaged operator against the local cluster (started if needed) with
# BENCH_RELEASES releases at once (default 20) and prints latency and memory figures.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
started=0
cleanup() { [[ $started == 1 ]] && hack/cluster/cluster.sh down || true; }
trap cleanup EXIT
if [[ -z "${KUBECONFIG:-}" ]]; then
  hack/cluster/cluster.sh up
  started=1
  export KUBECONFIG="$root/target/cluster/kubeconfig"
fi
mvn -B -q package -DskipTests
mvn -B -q test-compile org.codehaus.mojo:exec-maven-plugin:3.5.0:exec -Dexec.classpathScope=test \
  -Dexec.executable=java \
  -Dexec.args="-Dbench.releases=${BENCH_RELEASES:-20} -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp %classpath io.fleetlm.operator.bench.RolloutBenchmark"
