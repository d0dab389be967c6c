# fleetlm-operator: the front door. `make help` lists the targets.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help
MVN ?= mvn -B
KUBECONFIG_LOCAL := $(CURDIR)/target/cluster/kubeconfig

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: tools
tools: ## Build the local control plane's binaries (kube-*, etcd, kwok, kubectl, helm) once per machine
	@hack/tools/build.sh >/dev/null

.PHONY: build
build: ## Compile, unit test, package the operator and check the committed CRDs
	$(MVN) package

.PHONY: test
test: tools ## Everything: unit tests, then integration tests on a local cluster and PostgreSQL
	hack/test.sh

.PHONY: e2e
e2e: tools ## End-to-end suite on a real kubelet node with locally built images (needs root)
	hack/e2e.sh

.PHONY: unit
unit: ## Unit tests only (no cluster)
	$(MVN) test

.PHONY: cluster-up
cluster-up: tools ## Start the local cluster; kubeconfig in target/cluster/kubeconfig
	hack/cluster/cluster.sh up

.PHONY: cluster-down
cluster-down: ## Stop the local cluster, leaving no process behind
	hack/cluster/cluster.sh down

.PHONY: run
run: ## Run the operator against the current KUBECONFIG (apply crds/ first)
	$(MVN) package -DskipTests -DskipCrdCheck=true
	# From its own directory, as the image runs it: the class archive names quarkus-run.jar so.
	cd target/quarkus-app && MALLOC_ARENA_MAX=2 \
	  java @operator.options -XX:SharedArchiveFile=app-cds.jsa -jar quarkus-run.jar

.PHONY: demo
demo: tools ## Local cluster + PostgreSQL + operator + a sample release, shown live; KEEP=1 keeps it up
	hack/demo.sh

.PHONY: crds
crds: ## Regenerate the CRD from the Java model into crds/ and the Helm chart (which needs its own copy)
	$(MVN) package -DskipTests -DskipCrdCheck=true
	cp target/kubernetes/fleetlmreleases.fleetlm.io-v1.yml crds/
	cp target/kubernetes/fleetlmreleases.fleetlm.io-v1.yml helm/fleetlm-operator/crds/

.PHONY: manifests
manifests: tools ## Render deploy/operator.yaml (the kustomize base) from the Helm chart
	hack/render-manifests.sh

.PHONY: helm-lint
helm-lint: tools ## Lint the Helm chart
	"$$(hack/tools/build.sh 2>/dev/null | tail -n1)/helm" lint helm/fleetlm-operator

.PHONY: bench
bench: tools ## Measure rollout latency and operator memory on the local cluster
	hack/bench.sh

.PHONY: fmt
fmt: ## Format the Java sources (the build checks formatting)
	$(MVN) spotless:apply

.PHONY: clean
clean: cluster-down ## Remove build outputs
	$(MVN) clean
