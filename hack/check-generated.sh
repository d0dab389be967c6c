#!/usr/bin/env bash
# Fails when a committed copy of the generated CRD differs from what the build just generated.
# Fix with: make crds
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
generated="$root/target/kubernetes/fleetlmreleases.fleetlm.io-v1.yml"
[[ -f "$generated" ]] || { echo "check-generated: $generated missing; run mvn package" >&2; exit 1; }
status=0
# crds/ is the CRD users apply; Helm reads only files inside the chart, so the chart holds a copy
# (a symbolic link would make every helm command warn on its output).
for copy in "$root/crds/fleetlmreleases.fleetlm.io-v1.yml" \
            "$root/helm/fleetlm-operator/crds/fleetlmreleases.fleetlm.io-v1.yml"; do
  if ! diff -q "$generated" "$copy" >/dev/null 2>&1; then
    echo "check-generated: ${copy#$root/} is out of date with the Java model; run 'make crds' and commit" >&2
    diff -u "$copy" "$generated" 2>/dev/null | head -40 >&2 || true
    status=1
  fi
done
exit $status
