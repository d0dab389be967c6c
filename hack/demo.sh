#!/usr/bin/env bash
# make demo: a local cluster, a local PostgreSQL, the operator, and a FleetLM release rolled out
# live; then an upgrade whose migration fails while the old version keeps serving; then a rollback
# of the schema to an older release, run by the newer image before the older one is deployed.
# kwok runs no containers, so this script plays the migration container: it runs the migration's
# SQL against PostgreSQL for real, then ends the Job's pod with the exit code a container would.
# KEEP=1 leaves everything running for exploring (stop with: make cluster-down; hack/postgres.sh down).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
ns=fleetlm-demo
release=fleetlm
state="$root/target/demo"
http_port="${FLEETLM_DEMO_HTTP_PORT:-18080}"
mkdir -p "$state"

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
export PATH="$(hack/tools/build.sh | tail -n 1):$PATH"

operator_pid=""
# Only what this run started is stopped: a cluster or database that was already running (a test
# run's, a KEEP=1 demo's) stays as it was.
started_cluster=0
started_postgres=0
hack/cluster/cluster.sh status >/dev/null 2>&1 || started_cluster=1
hack/postgres.sh status >/dev/null 2>&1 || started_postgres=1
cleanup() {
  if [[ -n "$operator_pid" ]]; then kill "$operator_pid" 2>/dev/null || true; wait "$operator_pid" 2>/dev/null || true; fi
  if [[ "${KEEP:-0}" != 1 ]]; then
    if [[ $started_cluster == 1 ]]; then hack/cluster/cluster.sh down || true; else echo "demo: the cluster was running before; left running"; fi
    if [[ $started_postgres == 1 ]]; then hack/postgres.sh down || true; else echo "demo: PostgreSQL was running before; left running"; fi
  fi
}
trap cleanup EXIT

bold "1. Local Kubernetes (etcd, kube-apiserver, controller-manager, scheduler, kwok nodes)"
hack/cluster/cluster.sh up
export KUBECONFIG="$root/target/cluster/kubeconfig"
kubectl get nodes

bold "2. Build the operator; local PostgreSQL (from the Maven artifact the tests use)"
mvn -B -q package -DskipTests
hack/postgres.sh up
hack/postgres.sh psql -d postgres -c "DROP DATABASE IF EXISTS fleetlm_demo" -c "CREATE DATABASE fleetlm_demo"

bold "3. Start the operator"
kubectl apply --server-side --force-conflicts -f crds/ >/dev/null
kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns" >/dev/null
kubectl -n "$ns" create secret generic fleetlm-db \
  --from-literal=DATABASE_URL="$(hack/postgres.sh url fleetlm_demo)" \
  --from-literal=SECRET_KEY_BASE="demo-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')" \
  --dry-run=client -o yaml | kubectl apply -f - >/dev/null
# As a pod runs it: the image's JVM options and class archive, from the application's directory.
# With clusterRoll deployment: the default roll asks each FleetLM node in its container whether it
# joined its Raft groups, and kwok's pods run no container (REAL_NODE=1 make e2e shows that roll).
(cd target/quarkus-app && FLEETLM_WATCH_NAMESPACES="$ns" FLEETLM_HTTP_PORT="$http_port" \
  FLEETLM_OPERATOR_CLUSTER_ROLL=deployment \
  MALLOC_ARENA_MAX=2 exec java @operator.options -XX:SharedArchiveFile=app-cds.jsa \
  -jar quarkus-run.jar) >"$state/operator.log" 2>&1 &
operator_pid=$!
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$http_port/q/health/ready" >/dev/null 2>&1 && break
  kill -0 "$operator_pid" 2>/dev/null || { cat "$state/operator.log"; exit 1; }
  sleep 0.5
done
echo "operator running (pid $operator_pid, log $state/operator.log, metrics http://127.0.0.1:$http_port/metrics)"

# Prints the release whenever what a user would look at changes, until the phase is reached.
watch_until() {
  local want="$1" last="" line
  for _ in $(seq 1 240); do
    line="$(kubectl -n "$ns" get flr "$release" -o jsonpath='phase={.status.phase}  job={.status.migrationJob}  current={.status.currentImage}  schema={.status.schemaVersion}  ready={.status.readyReplicas}/{.spec.replicas}  reason={.status.conditions[?(@.type=="Ready")].reason}')"
    if [[ "$line" != "$last" ]]; then echo "  $(date +%H:%M:%S) $line"; last="$line"; fi
    [[ "$line" == "phase=$want "* ]] && return 0
    sleep 0.5
  done
  echo "timed out waiting for phase $want" >&2
  return 1
}

# Waits for the release's running migration pod of the given image and prints its name.
migration_pod() {
  local image="$1" pod
  for _ in $(seq 1 240); do
    pod="$(kubectl -n "$ns" get pods -l app.kubernetes.io/component=migration \
      -o jsonpath="{range .items[?(@.status.phase==\"Running\")]}{.metadata.name} {.spec.containers[0].image}{\"\n\"}{end}" \
      | awk -v img="$image" '$2 == img {print $1; exit}')"
    [[ -n "$pod" ]] && { echo "$pod"; return 0; }
    sleep 0.5
  done
  return 1
}

bold "4. Apply examples/fleetlm-release.yaml (image ghcr.io/cpluss/fleetlm:main-27e7301, 3 replicas)"
kubectl -n "$ns" apply -f examples/fleetlm-release.yaml
pod="$(migration_pod ghcr.io/cpluss/fleetlm:main-27e7301)"
echo "  migration pod $pod is running; no app pod exists yet: $(kubectl -n "$ns" get pods -l app.kubernetes.io/component=app --no-headers 2>/dev/null | wc -l) app pods"
echo "  playing the migration container: applying FleetLM's five migrations to PostgreSQL"
hack/postgres.sh psql -d fleetlm_demo <<'SQL'
CREATE TABLE schema_migrations (version bigint PRIMARY KEY, inserted_at timestamp(0) without time zone);
CREATE TABLE conversations (id bigserial PRIMARY KEY, title text, inserted_at timestamptz DEFAULT now());
INSERT INTO schema_migrations VALUES (20250930063818, now());
CREATE TABLE messages (id bigserial PRIMARY KEY, conversation_id bigint REFERENCES conversations, body text);
INSERT INTO schema_migrations VALUES (20251001063431, now());
CREATE INDEX messages_conversation_id_index ON messages (conversation_id);
INSERT INTO schema_migrations VALUES (20251005104320, now());
ALTER TABLE conversations ADD COLUMN archived boolean NOT NULL DEFAULT false;
INSERT INTO schema_migrations VALUES (20251019063736, now());
CREATE TABLE participants (id bigserial PRIMARY KEY, conversation_id bigint REFERENCES conversations, user_id text);
INSERT INTO schema_migrations VALUES (20251021155555, now());
SQL
# What the Job's default expression writes after migrating: the image's Ecto.Migrator.migrations.
kubectl -n "$ns" annotate pod "$pod" kwok.fleetlm.io/exit-code=0 \
  'kwok.fleetlm.io/termination-message=fleetlm-migrations/v1 shipped=5 newest=20251021155555 down=0 unknown=0' >/dev/null
echo "  migration container exited 0, reporting its 5 migrations up"
watch_until Ready
kubectl -n "$ns" get flr,deploy,jobs
kubectl -n "$ns" get pods -l app.kubernetes.io/component=app \
  -o custom-columns=POD:.metadata.name,IMAGE:.spec.containers[0].image,MIGRATE_ON_BOOT:.spec.containers[0].env[?\(@.name==\"MIGRATE_ON_BOOT\"\)].value,PHASE:.status.phase

bold "5. Upgrade to main-390d98c, whose migration fails"
kubectl -n "$ns" apply -f examples/fleetlm-release-broken-upgrade.yaml
pod="$(migration_pod ghcr.io/cpluss/fleetlm:main-390d98c)"
echo "  playing the migration container: it crashes on a duplicate column and exits 1"
kubectl -n "$ns" annotate pod "$pod" kwok.fleetlm.io/exit-code=1 \
  'kwok.fleetlm.io/termination-message=** (Postgrex.Error) ERROR 42701 (duplicate_column) column "archived" of relation "conversations" already exists' >/dev/null
watch_until Failed
echo
echo "failure message: $(kubectl -n "$ns" get flr "$release" -o jsonpath='{.status.failureMessage}')"
echo
kubectl -n "$ns" get events --field-selector involvedObject.kind=FleetlmRelease \
  -o custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message | cut -c1-160
echo
echo "the old version keeps serving:"
kubectl -n "$ns" get pods -l app.kubernetes.io/component=app \
  -o custom-columns=POD:.metadata.name,IMAGE:.spec.containers[0].image,PHASE:.status.phase
served="$(kubectl -n "$ns" get pods -l app.kubernetes.io/component=app -o jsonpath='{range .items[*]}{.spec.containers[0].image}{"\n"}{end}' | sort -u)"
[[ "$served" == "ghcr.io/cpluss/fleetlm:main-27e7301" ]] || { echo "unexpected images: $served" >&2; exit 1; }

bold "6. Roll back to main-cafcfcb, which predates 20251021155555 (examples/fleetlm-release-rollback.yaml)"
kubectl -n "$ns" apply -f examples/fleetlm-release-rollback.yaml
pod="$(migration_pod ghcr.io/cpluss/fleetlm:main-27e7301)"
echo "  rollback pod $pod runs the verified main-27e7301 image (it ships the down migration) with:"
echo "    $(kubectl -n "$ns" get pod "$pod" -o jsonpath='{.spec.containers[0].args[1]}')"
echo "  (Ecto's to: is inclusive: rollbackTo 20251019063736 + 1, so everything above it goes)"
echo "  still serving while the schema goes back: $(kubectl -n "$ns" get deploy "$release" -o jsonpath='{.spec.template.spec.containers[0].image}')"
echo "  playing the rollback container: reverting 20251021155555 in PostgreSQL"
hack/postgres.sh psql -d fleetlm_demo <<'SQL'
DROP TABLE participants;
DELETE FROM schema_migrations WHERE version >= 20251021155555;
SQL
kubectl -n "$ns" annotate pod "$pod" kwok.fleetlm.io/exit-code=0 >/dev/null
watch_until Ready
echo "  history: $(kubectl -n "$ns" get flr "$release" -o jsonpath='{.status.history[0].rollbackTo} via {.status.history[0].rollbackJob}, {.status.history[0].message}')"
served="$(kubectl -n "$ns" get deploy "$release" -o jsonpath='{.spec.template.spec.containers[0].image}')"
[[ "$served" == "ghcr.io/cpluss/fleetlm:main-cafcfcb" ]] || { echo "unexpected image after the rollback: $served" >&2; exit 1; }
echo "  the Deployment now runs $served"

bold "Demo complete"
if [[ "${KEEP:-0}" == 1 ]]; then
  echo "Still running (KEEP=1): export KUBECONFIG=$KUBECONFIG; kubectl -n $ns get flr"
  echo "The operator stops with this script; restart it with: FLEETLM_WATCH_NAMESPACES=$ns make run"
fi
