#!/usr/bin/env bash
# Builds the local control plane's binaries from Go modules into a per-machine cache, once.
# The cache key is a hash of the pinned go.mod/go.sum files and the Go version, so a version bump rebuilds
# and a second run with nothing changed returns in seconds. Prints the bin directory on its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

die() { echo "tools: $*" >&2; exit 1; }
command -v go >/dev/null 2>&1 || die "Go is not installed. Install Go >= 1.26 (https://go.dev/doc/install) and run 'make tools' again."
go_version="$(go env GOVERSION)"
case "$go_version" in
  go1.2[6-9]*|go1.[3-9][0-9]*) ;;
  *) die "Go $go_version is too old: etcd 3.6 and kwok 0.8 need Go >= 1.26." ;;
esac

# The bin directory is keyed by every input; each binary is also kept under a key of its own inputs
# (module pins, ldflags, package, Go version), so a change to one tool rebuilds only that tool.
key="$(cat "$here"/*/go.mod "$here"/*/go.sum "$here"/*/*.go "$here/build.sh" | sha256sum | cut -c1-12)-$go_version"
cache_root="${FLEETLM_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fleetlm-operator/tools}"
bin="$cache_root/$key/bin"
objects="$cache_root/objects"
if [[ -f "$bin/.complete" ]]; then
  echo "tools: cached in $bin" >&2
  echo "$bin"
  exit 0
fi
mkdir -p "$bin" "$objects"

step() { echo "tools: [$(date -u +%H:%M:%S)] $*" >&2; }
build() { # build <module dir> <ldflags> <package> <output name>
  local dir="$1" ldflags="$2" pkg="$3" out="$4"
  local inputs
  inputs="$(cat "$here/$dir/go.mod" "$here/$dir/go.sum" "$here/$dir"/*.go 2>/dev/null; echo "$ldflags $pkg $go_version")"
  local object="$objects/$(echo "$inputs" | sha256sum | cut -c1-16)/$out"
  if [[ -x "$object" ]]; then
    step "$out: reusing the build of the same inputs"
  else
    step "building $out ($pkg)"
    mkdir -p "$(dirname "$object")"
    (cd "$here/$dir" && go build -trimpath -tags notest -ldflags "$ldflags" -o "$object.tmp" "$pkg") \
      || die "building $out failed (module $dir). If a module could not be fetched, check that the Go module proxy is reachable: go env GOPROXY"
    mv "$object.tmp" "$object"
  fi
  ln -f "$object" "$bin/$out" 2>/dev/null || cp "$object" "$bin/$out"
}

module_version() { awk -v m="$2" '$1 == m || ($1 == "require" && $2 == m) { print ($1 == m ? $2 : $3); exit }' "$here/$1/go.mod"; }
kube_version="$(module_version kubernetes k8s.io/kubernetes)"
[[ -n "$kube_version" ]] || die "cannot read the k8s.io/kubernetes version from $here/kubernetes/go.mod"
kube_minor="$(echo "$kube_version" | cut -d. -f2)"
# A fixed build date keeps the ldflags, and so the binaries' cache keys, the same from run to run.
build_date="$(cd "$here/kubernetes" && go list -m -json "k8s.io/kubernetes@$kube_version" 2>/dev/null | sed -n 's/.*"Time": "\(.*\)".*/\1/p' | head -1)"
build_date="${build_date:-1970-01-01T00:00:00Z}"
kube_ldflags="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kube_ldflags="$kube_ldflags -X $p.gitVersion=$kube_version -X $p.gitMajor=1 -X $p.gitMinor=$kube_minor"
  kube_ldflags="$kube_ldflags -X $p.gitTreeState=clean -X $p.buildDate=$build_date"
done

step "downloading modules (first run only)"
for dir in kubernetes etcd kwok helm kstatus coredns; do
  (cd "$here/$dir" && go mod download) || die "go mod download failed in hack/tools/$dir: is the Go module proxy reachable? (go env GOPROXY)"
done

step "a cold build takes about 10 minutes on 2 cores; later runs use $bin"
build etcd "-s -w" go.etcd.io/etcd/server/v3 etcd
kwok_version="$(module_version kwok sigs.k8s.io/kwok)"; kwok_version="${kwok_version#v}"
kwok_ldflags="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$kwok_version -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${kube_version#v}"
build kwok "$kwok_ldflags" sigs.k8s.io/kwok/cmd/kwok kwok
build kwok "$kwok_ldflags" sigs.k8s.io/kwok/cmd/kwokctl kwokctl
for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet; do
  build kubernetes "$kube_ldflags" "k8s.io/kubernetes/cmd/$cmd" "$cmd"
done
helm_version="$(module_version helm helm.sh/helm/v3)"
# As helm's own Makefile does: the Kubernetes version helm assumes without a cluster (helm
# template, lint) is that of its client-go, not helm's fallback of 1.20.
client_go="$(module_version helm k8s.io/client-go)"
helm_kube_major="$(( $(echo "${client_go#v}" | cut -d. -f1) + 1 ))"
helm_kube_minor="$(echo "$client_go" | cut -d. -f2)"
helm_ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$helm_version -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  helm_ldflags="$helm_ldflags -X $p.k8sVersionMajor=$helm_kube_major -X $p.k8sVersionMinor=$helm_kube_minor"
done
build helm "$helm_ldflags" helm.sh/helm/v3/cmd/helm helm
build kstatus "-s -w" . kstatus
# Cluster DNS for the real node's pods (hack/node/node.sh).
build coredns "-s -w" github.com/coredns/coredns coredns

# kwok's stock node and pod stages ship in its module; the cluster script combines them with ours.
stages="$bin/../kwok-stages"
mkdir -p "$stages"
kwok_dir="$(cd "$here/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
  pod/fast/pod-ready.yaml pod/fast/pod-delete.yaml; do
  cp "$kwok_dir/kustomize/stage/$f" "$stages/"
done
chmod -R u+w "$stages"

"$bin/kube-apiserver" --version >&2
"$bin/kubectl" version --client >&2
"$bin/etcd" --version | head -1 >&2
touch "$bin/.complete"
# Bin directories of older pins, and builds no bin directory links any more, are dead weight.
for old in "$cache_root"/[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-go*/; do
  if [[ -d "$old/bin" && "$old" != "$cache_root/$key/" ]]; then rm -rf "$old"; fi
done
find "$objects" -type f -links 1 -delete 2>/dev/null || true
find "$objects" -mindepth 1 -type d -empty -delete 2>/dev/null || true
step "done: $bin"
echo "$bin"
