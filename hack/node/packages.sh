#!/usr/bin/env bash
# Installs what a real kubelet node and the local image builds need, from Debian's packages, when
# missing: containerd, runc and the CNI plugins (the node), iptables (its pod network rules),
# buildah and debootstrap (images without a registry), gcc (the pause image).
set -euo pipefail
say() { echo "node-packages: $*" >&2; }
needed=(containerd runc containernetworking-plugins iptables buildah debootstrap gcc libc6-dev)
missing=()
for p in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) != 0 ]]; then
  say "needs root to install: ${missing[*]} (run as root, or install them yourself)"
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "not a Debian-like system (no apt-get): install ${missing[*]} with your package manager"
  exit 1
fi
say "installing ${missing[*]}"
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

