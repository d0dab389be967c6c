#!/usr/bin/env bash
# Renders the Helm chart with its default values into deploy/ (the kustomize base), so the plain
# manifests and the chart can never disagree. HelmChartIT fails when deploy/ is stale.
# Usage: render-manifests.sh [output-file]   (default deploy/operator.yaml)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/deploy/operator.yaml}"
helm="${HELM:-$("$root/hack/tools/build.sh" 2>/dev/null | tail -n 1)/helm}"
{
  echo "# Generated from helm/fleetlm-operator by hack/render-manifests.sh (make manifests). Do not edit."
  "$helm" template fleetlm-operator "$root/helm/fleetlm-operator" \
    --namespace fleetlm-system --skip-crds
} >"$out"
