#!/usr/bin/env bash
# A local Kubernetes cluster on loopback: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kwok (simulated nodes), started by kwokctl from binaries built by
# hack/tools/build.sh. Usage: [REAL_NODE=1] cluster.sh up|down|status. REAL_NODE=1 adds a real
# kubelet node (hack/node/node.sh; needs root and the images of hack/images/build.sh). For scale runs
# (make bench): FLEETLM_CLUSTER_NODES (kwok nodes, default 3) and FLEETLM_CLUSTER_UNLIMITED_QPS=1,
# which lifts the client rate limits of kube-controller-manager and kube-scheduler (20/50 QPS
# by default) so that the cluster's own controllers are not what a run measures, and
# FLEETLM_CLUSTER_SERVICE_CIDR (the API server's default 10.0.0.0/24 holds 254 ClusterIPs; a
# thousand releases need more). The kubeconfig lands in
# target/cluster/kubeconfig; the API server's audit log of ServiceAccount requests in
# target/cluster/kwok/clusters/<name>/logs/audit.log.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
name="${FLEETLM_CLUSTER_NAME:-fleetlm}"
nodes="${FLEETLM_CLUSTER_NODES:-3}"
state="$root/target/cluster"
kubeconfig="$state/kubeconfig"
export KWOK_WORKDIR="$state/kwok"

bin="$("$root/hack/tools/build.sh" | tail -n 1)"
export PATH="$bin:$PATH"

say() { echo "cluster: $*" >&2; }

running() {
  [[ -f "$kubeconfig" ]] && kubectl --kubeconfig "$kubeconfig" --request-timeout=5s get --raw /readyz >/dev/null 2>&1
}

up() {
  if running; then
    say "already running ($kubeconfig)"
    return
  fi
  # Leftovers of a cluster whose processes are gone (a reboot, a killed CI run).
  kwokctl delete cluster --name "$name" >/dev/null 2>&1 || true
  mkdir -p "$state"
  local config="$state/kwokctl.yaml"
  {
    cat <<YAML
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  bindAddress: 127.0.0.1
  # Pods on a real node reach the API server as the kubernetes Service, 10.0.0.1.
  kubeApiserverCertSANs: ["10.0.0.1"]
  kubeVersion: $("$bin/kube-apiserver" --version | awk '{print $2}')
  kubeApiserverBinary: $bin/kube-apiserver
  kubeControllerManagerBinary: $bin/kube-controller-manager
  kubeSchedulerBinary: $bin/kube-scheduler
  kubectlBinary: $bin/kubectl
  etcdBinary: $bin/etcd
  kwokControllerBinary: $bin/kwok
  kubeAuthorization: true
  kubeAuditPolicy: $root/hack/cluster/audit-policy.yaml
  nodeLeaseDurationSeconds: 40
  disableQPSLimits: $([[ "${FLEETLM_CLUSTER_UNLIMITED_QPS:-0}" == 1 ]] && echo true || echo false)
# kwok plays only its own nodes (kwokctl's carry this annotation), never a real kubelet's.
componentsPatches:
  - name: kwok-controller
    extraArgs:
      - {key: manage-all-nodes, value: "false"}
      - {key: manage-nodes-with-annotation-selector, value: "kwok.x-k8s.io/node=fake"}
YAML
    if [[ -n "${FLEETLM_CLUSTER_SERVICE_CIDR:-}" ]]; then
      cat <<YAML
  - name: kube-apiserver
    extraArgs:
      - {key: service-cluster-ip-range, value: "$FLEETLM_CLUSTER_SERVICE_CIDR"}
YAML
    fi
    for stage in node-initialize node-heartbeat-with-lease pod-delete; do
      echo "---"
      cat "$bin/../kwok-stages/$stage.yaml"
    done
    # pod-ready leaves alone a pod that a test made wait (pod-waiting-stage.yaml).
    echo "---"
    sed '/^    matchExpressions:$/a\    - key: '"'"'.metadata.annotations["kwok.fleetlm.io/waiting-reason"]'"'"'\n      operator: '"'"'DoesNotExist'"'"'' \
      "$bin/../kwok-stages/pod-ready.yaml"
    for stage in pod-exit pod-waiting; do
      echo "---"
      cat "$root/hack/cluster/$stage-stage.yaml"
    done
  } >"$config"
  local started=$SECONDS
  say "starting cluster '$name' (loopback only)"
  # A start that fails part way stops what it started: no component, node or mount stays behind.
  trap 'failed_up $?' EXIT
  kwokctl create cluster --name "$name" --config "$config" --kubeconfig "$kubeconfig" \
    --runtime binary --wait 3m >"$state/kwokctl-create.log" 2>&1 || {
      cat "$state/kwokctl-create.log" >&2
      say "failed to start; logs in $KWOK_WORKDIR/clusters/$name/logs"
      exit 1
    }
  kwokctl scale node --name "$name" --replicas "$nodes" >>"$state/kwokctl-create.log" 2>&1
  kubectl --kubeconfig "$kubeconfig" wait --for=condition=Ready node --all --timeout=120s >/dev/null
  # Pods need the default ServiceAccount, which the controller-manager creates shortly after start.
  for _ in $(seq 1 120); do
    kubectl --kubeconfig "$kubeconfig" -n default get serviceaccount default >/dev/null 2>&1 && break
    sleep 0.5
  done
  if [[ "${REAL_NODE:-0}" == 1 ]]; then
    FLEETLM_IMAGE_ARCHIVES="${FLEETLM_IMAGE_ARCHIVES:-${XDG_CACHE_HOME:-$HOME/.cache}/fleetlm-operator/images/archives}" \
      "$root/hack/node/node.sh" up "$kubeconfig" "$bin"
  fi
  trap - EXIT
  say "ready in $((SECONDS - started))s: export KUBECONFIG=$kubeconfig"
}

failed_up() {
  local status=$1
  trap - EXIT
  if [[ $status != 0 ]]; then
    say "start failed (exit $status): stopping what was started"
    (down) || true
  fi
  exit "$status"
}

down() {
  # A real node first (if one was started): its kubelet, containerd, bridge, rules and cgroups.
  # The cluster goes down even when something of the node was left behind; that still fails.
  local node_status=0
  if [[ -d "$root/target/cluster/node" ]]; then
    "$root/hack/node/node.sh" down || node_status=$?
  fi
  if [[ -d "$KWOK_WORKDIR/clusters/$name" ]]; then
    kwokctl delete cluster --name "$name" >/dev/null 2>&1 || true
  fi
  # kwokctl forks the components; make sure none outlives the cluster.
  local pids
  pids="$(pgrep -f -- "$KWOK_WORKDIR/clusters/$name" || true)"
  if [[ -n "$pids" ]]; then
    kill $pids 2>/dev/null || true
    sleep 1
    kill -9 $pids 2>/dev/null || true
  fi
  rm -f "$kubeconfig"
  local left
  left="$(pgrep -f -- "$KWOK_WORKDIR/clusters/$name/bin" | while read -r pid; do
    # Zombies are already dead; they only wait for their parent to collect them.
    [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" == Z* ]] || echo "$pid"; done || true)"
  if [[ -n "$left" ]]; then
    say "processes still running after cluster-down: $left"
    exit 1
  fi
  [[ $node_status == 0 ]] || { say "stopped, but the real node left something behind (see above)"; exit 1; }
  say "stopped"
}

status() {
  if running; then
    kubectl --kubeconfig "$kubeconfig" get nodes
  else
    say "not running"
    return 1
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
