#!/usr/bin/env bash
# One real kubelet node beside the kwok nodes: its own containerd (private config, root, state and
# socket), runc, a private cgroup root, and a CNI bridge on a private subnet with no route off the
# machine: pods have no default route, only one to the Service range. They reach the API server,
# which listens on loopback only, through the kubernetes Service (a DNAT rule from the bridge to
# 127.0.0.1, allowed by route_localnet on that bridge alone), and test services (PostgreSQL) at
# the bridge's gateway address. The node carries the taint fleetlm.io/real-node=true:NoSchedule,
# so only pods meant for it run there.
# Usage (cluster.sh calls it): node.sh up KUBECONFIG TOOLS_BIN | down | gateway
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
state="$root/target/cluster/node"
run=/run/fleetlm-node
bridge=fleetlm0
chain=FLEETLM-NODE
cgroup_root=fleetlm
taint="fleetlm.io/real-node=true:NoSchedule"
kubelet_port=10350
say() { echo "node: $*" >&2; }
die() { say "$*"; exit 1; }

# A /24 on no interface and in no route of this machine; the first free of a few test ranges.
subnet() {
  if [[ -f "$state/subnet" ]]; then cat "$state/subnet"; return; fi
  local used candidate
  used="$(ip -4 -o addr show | awk '{print $4}'; ip -4 route show | awk '{print $1}')"
  for candidate in 198.51.100 203.0.113 100.115.92; do
    if ! grep -q "^$candidate\." <<<"$used"; then
      mkdir -p "$state" && echo "$candidate" >"$state/subnet" && echo "$candidate" && return
    fi
  done
  die "no free test subnet (198.51.100/24, 203.0.113/24, 100.115.92/24 are all in use here)"
}
gateway() { echo "$(subnet).1"; }

preflight() {
  [[ $(id -u) == 0 ]] || die "a real node needs root (containerd, cgroups, network namespaces)"
  [[ -d /sys/fs/cgroup ]] || die "no cgroup file system mounted"
  "$root/hack/node/packages.sh"
}

net_up() {
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip addr add "$(gateway)/24" dev "$bridge"
  fi
  ip link set "$bridge" up
  sysctl -qw "net.ipv4.conf.$bridge.route_localnet=1"
}

up() {
  preflight
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip addr add "$(gateway)/24" dev "$bridge"
  fi
  ip link set "$bridge" up
}

up() {
  local kubeconfig="$1" bin="$2" pause_ref archives
  preflight
  mkdir -p "$state"/{containerd,cni,ipam,kubelet,logs} "$run"
  archives="${FLEETLM_IMAGE_ARCHIVES:-}"
  [[ -n "$archives" && -f "$archives/pause.ref" ]] || die "no images: run hack/images/build.sh (FLEETLM_IMAGE_ARCHIVES)"
  pause_ref="$(cat "$archives/pause.ref")"

  net_up
  # Pods to the API server: the kubernetes Service's address, from the bridge only.
  local apiserver_port
  apiserver_port="$(sed -n 's|.*server: https://[^:]*:\([0-9]*\).*|\1|p' "$kubeconfig" | head -n 1)"
  iptables -t nat -N "$chain" 2>/dev/null || iptables -t nat -F "$chain"
  iptables -t nat -C PREROUTING -i "$bridge" -j "$chain" 2>/dev/null || iptables -t nat -A PREROUTING -i "$bridge" -j "$chain"
  iptables -t nat -A "$chain" -d 10.0.0.1/32 -p tcp --dport 443 -j DNAT --to-destination "127.0.0.1:$apiserver_port"

  # Cluster DNS for the node's pods: CoreDNS answers cluster.local from the API server (Services,
  # headless Services' EndpointSlices) on the bridge's gateway, and forwards everything else.
  cat >"$state/Corefile" <<COREFILE
cluster.local:53 {
    bind $(gateway)
    errors
    kubernetes cluster.local {
        kubeconfig $kubeconfig
    }
}
.:53 {
    bind $(gateway)
    errors
    forward . /etc/resolv.conf
}
COREFILE
  setsid "$bin/coredns" -conf "$state/Corefile" >"$state/logs/coredns.log" 2>&1 &
  echo $! >"$state/coredns.pid"

  cat >"$state/cni/10-fleetlm.conflist" <<JSON
{"cniVersion": "1.0.0", "name": "fleetlm", "plugins": [
  {"type": "bridge", "bridge": "$bridge", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$state/ipam",
            "ranges": [[{"subnet": "$(subnet).0/24", "gateway": "$(gateway)"}]],
            "routes": [{"dst": "10.0.0.0/24"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
JSON
  cat >"$state/containerd/config.toml" <<TOML
version = 2
root = "$state/containerd/root"
state = "$run/containerd"
[grpc]
  address = "$run/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause_ref"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$state/cni"
[plugins."io.containerd.internal.v1.opt"]
  path = "$state/containerd/opt"
TOML
  setsid containerd --config "$state/containerd/config.toml" >"$state/logs/containerd.log" 2>&1 &
  echo $! >"$state/containerd.pid"
  for _ in $(seq 1 100); do [[ -S "$run/containerd.sock" ]] && break; sleep 0.1; done
  [[ -S "$run/containerd.sock" ]] || die "containerd did not start; see $state/logs/containerd.log"
  local archive
  for archive in "$archives"/*.tar; do
    ctr --address "$run/containerd.sock" -n k8s.io images import --no-unpack "$archive" >/dev/null \
      || die "cannot import $archive"
  done

  # kubelet's cgroups live under a root of ours, which must exist in every hierarchy.
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/; do
    [[ -d "$hierarchy" ]] && mkdir -p "$hierarchy$cgroup_root"
  done
  cat >"$state/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $kubelet_port
healthzBindAddress: 127.0.0.1
healthzPort: 10348
readOnlyPort: 0
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
containerRuntimeEndpoint: unix://$run/containerd.sock
cgroupDriver: cgroupfs
cgroupRoot: /$cgroup_root
failCgroupV1: false
failSwapOn: false
oomScoreAdj: 0
podLogsDir: $state/kubelet/pod-logs
resolvConf: /etc/resolv.conf
clusterDNS: ["$(gateway)"]
clusterDomain: cluster.local
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
registerWithTaints:
  - {key: fleetlm.io/real-node, value: "true", effect: NoSchedule}
YAML
  setsid "$bin/kubelet" --config "$state/kubelet/config.yaml" --kubeconfig "$kubeconfig" \
    --root-dir "$state/kubelet/root" --node-ip "$(gateway)" \
    >"$state/logs/kubelet.log" 2>&1 &
  echo $! >"$state/kubelet.pid"
  local node
  node="$(hostname)"
  for _ in $(seq 1 120); do
    "$bin/kubectl" --kubeconfig "$kubeconfig" get node "$node" >/dev/null 2>&1 && break
    kill -0 "$(cat "$state/kubelet.pid")" 2>/dev/null || die "kubelet exited; see $state/logs/kubelet.log"
    sleep 0.5
  done
  "$bin/kubectl" --kubeconfig "$kubeconfig" wait --for=condition=Ready "node/$node" --timeout=120s >/dev/null \
    || die "node $node is not Ready; see $state/logs/kubelet.log"
  kill -0 "$(cat "$state/coredns.pid")" 2>/dev/null || die "coredns exited; see $state/logs/coredns.log"
  say "real node $node Ready (containerd $run/containerd.sock, pods on $(subnet).0/24, gateway and cluster DNS $(gateway))"
}

stop_pid() {
  local file="$1" pid
  [[ -f "$file" ]] || return 0
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

# Every process of every pod: they live in the node's cgroups, and outlive their shims.
kill_pod_processes() {
  local pids
  pids="$(find /sys/fs/cgroup/*/"$cgroup_root" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u || true)"
  [[ -n "$pids" ]] && kill -9 $pids 2>/dev/null || true
}

down() {
  stop_pid "$state/kubelet.pid"
  stop_pid "$state/coredns.pid"
  # The pods' processes and their shims, then containerd.
  kill_pod_processes
  pkill -9 -f "containerd-shim-runc-v2 .*-address $run/containerd.sock" 2>/dev/null || true
  stop_pid "$state/containerd.pid"
  kill_pod_processes
  local mnt
  for mnt in $(findmnt -rn -o TARGET | grep -E "^($state|$run|/run/netns/cni-)" | sort -r); do
    umount -l "$mnt" 2>/dev/null || true
  done
  rm -f /run/netns/cni-* 2>/dev/null || true
  ip link del "$bridge" 2>/dev/null || true
  iptables -t nat -D PREROUTING -i "$bridge" -j "$chain" 2>/dev/null || true
  iptables -t nat -F "$chain" 2>/dev/null || true
  iptables -t nat -X "$chain" 2>/dev/null || true
  local hierarchy attempt
  for attempt in 1 2 3 4 5; do
    for hierarchy in /sys/fs/cgroup/*/; do
      [[ -d "$hierarchy$cgroup_root" ]] && find "$hierarchy$cgroup_root" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    ls -d /sys/fs/cgroup/*/"$cgroup_root" >/dev/null 2>&1 || break
    kill_pod_processes
    sleep 0.2
  done
  rm -rf "$run" "$state/containerd/root" "$state/kubelet/root" 2>/dev/null || true
  verify_gone
}

verify_gone() {
  local left=()
  pgrep -f -- "$state/kubelet/config.yaml" >/dev/null && left+=("kubelet")
  pgrep -f -- "$state/Corefile" >/dev/null && left+=("coredns")
  pgrep -f -- "$state/containerd/config.toml" >/dev/null && left+=("containerd")
  pgrep -f -- "-address $run/containerd.sock" >/dev/null && left+=("containerd shims")
  ip link show "$bridge" >/dev/null 2>&1 && left+=("bridge $bridge")
  iptables -t nat -L "$chain" >/dev/null 2>&1 && left+=("iptables chain $chain")
  findmnt -rn -o TARGET | grep -qE "^($state|$run)" && left+=("mounts under $state")
  ls /sys/fs/cgroup/*/"$cgroup_root" >/dev/null 2>&1 && left+=("cgroups /$cgroup_root")
  if [[ ${#left[@]} -gt 0 ]]; then
    die "left behind after node down: ${left[*]}"
  fi
}

case "${1:-}" in
  up) up "${2:?kubeconfig}" "${3:?tools bin}" ;;
  down) down ;;
  gateway) gateway ;;
  *) echo "usage: $0 up KUBECONFIG TOOLS_BIN | down | gateway" >&2; exit 2 ;;
esac
