#!/usr/bin/env bash
# Prints the replace block hack/tools/kubernetes/go.mod needs for a k8s.io/kubernetes version:
# every staging module that k/k replaces with ./staging/src/... pinned to its published v0.X.Y.
# Usage: hack/tools/gen-k8s-replaces.sh 1.35.4   (then paste over the replace block, go mod tidy)
set -euo pipefail
version="${1:?usage: $0 KUBERNETES_VERSION (e.g. 1.35.4)}"
version="${version#v}"
gomod="$(GOTOOLCHAIN=local go mod download -json "k8s.io/kubernetes@v$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
[[ -f "$gomod" ]] || { echo "cannot download k8s.io/kubernetes@v$version" >&2; exit 1; }
echo "replace ("
sed -n 's|^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*|\1|p' "$gomod" |
  while read -r module; do printf '\t%s => %s v0.%s\n' "$module" "$module" "${version#1.}"; done
echo ")"
