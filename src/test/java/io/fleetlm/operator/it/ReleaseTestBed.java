package io.fleetlm.operator.it;

import static io.fleetlm.operator.it.Releases.awaitPhase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fleetlm.operator.api.FleetlmRelease;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One test's world: its own namespace, database and Secret, the operator watching that namespace,
 * the stand-in for the migration container, and a watcher checking the rollout invariants. Closing
 * it asserts them and removes everything.
 */
final class ReleaseTestBed implements AutoCloseable {

  static final Duration TIMEOUT = Duration.ofSeconds(90);

  final KubernetesClient client = TestCluster.client();
  final String namespace;
  final TestDatabase db = TestDatabase.shared();
  final String database;
  final MigrationStandIn container;
  final RolloutWatcher watcher;
  final OperatorHarness operator;

  ReleaseTestBed(String prefix) {
    this(prefix, Map.of());
  }

  /**
   * @param namespaceLabels labels of the test's namespace, e.g. a Pod Security level to enforce
   */
  ReleaseTestBed(String prefix, Map<String, String> namespaceLabels) {
    this(() -> TestCluster.createNamespace(prefix, namespaceLabels));
  }

  /** A test bed in a namespace of exactly this name, for fixtures recorded in it. */
  static ReleaseTestBed inExactNamespace(String name, Map<String, String> settings) {
    return new ReleaseTestBed(() -> TestCluster.createExactNamespace(name), settings);
  }

  /** A test bed whose operator runs with some settings changed, e.g. a shorter resync. */
  static ReleaseTestBed withSettings(String prefix, Map<String, String> settings) {
    return new ReleaseTestBed(() -> TestCluster.createNamespace(prefix, Map.of()), settings);
  }

  private ReleaseTestBed(java.util.function.Supplier<String> createNamespace) {
    this(createNamespace, Map.of());
  }

  private ReleaseTestBed(
      java.util.function.Supplier<String> createNamespace, Map<String, String> settings) {
    Releases.installCrd(client);
    namespace = createNamespace.get();
    database = db.createDatabase();
    Releases.createDatabaseSecret(client, namespace, db.ectoUrl(database));
    container = new MigrationStandIn(client, namespace);
    watcher = new RolloutWatcher(client, namespace);
    operator = new OperatorHarness(client, namespace, settings).start();
  }

  /** Creates the release and takes it to Ready, migrating the given Ecto version. */
  FleetlmRelease installReady(FleetlmRelease release, long version) {
    client.resource(release).create();
    container.migrateAndSucceed(
        container.awaitRunningPod(release.getSpec().getImage()), db, database, version);
    String name = release.getMetadata().getName();
    FleetlmRelease ready = awaitPhase(client, namespace, name, "Ready");
    await().atMost(TIMEOUT).until(() -> appPods().size() == release.getSpec().getReplicas());
    return ready;
  }

  FleetlmRelease release(String name) {
    return Releases.get(client, namespace, name);
  }

  void editRelease(String name, Consumer<FleetlmRelease> change) {
    Releases.edit(client, namespace, name, change);
  }

  Deployment deployment(String name) {
    return client.apps().deployments().inNamespace(namespace).withName(name).get();
  }

  PodDisruptionBudget budget(String name) {
    return client.policy().v1().podDisruptionBudget().inNamespace(namespace).withName(name).get();
  }

  List<Pod> appPods() {
    return Releases.appPods(client, namespace);
  }

  /** What `kubectl describe fleetlmrelease` prints, Events included. */
  String describe(String name) {
    Tools.Result described =
        Tools.run(
            TestCluster.kubeconfigEnv(),
            "kubectl",
            "describe",
            "fleetlmrelease",
            name,
            "-n",
            namespace);
    assertThat(described.exitCode()).as(described.output()).isZero();
    return described.output();
  }

  List<Job> jobs() {
    return client.batch().v1().jobs().inNamespace(namespace).list().getItems();
  }

  /** Events on the namespace's objects, oldest first (by lastTimestamp, then name, as listed). */
  List<Event> events() {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .sorted(Comparator.comparing(ReleaseTestBed::lastSeen))
        .toList();
  }

  /** Controllers on the newer Events API leave lastTimestamp empty and set eventTime. */
  private static Instant lastSeen(Event event) {
    if (event.getLastTimestamp() != null) {
      return Instant.parse(event.getLastTimestamp());
    }
    return event.getEventTime() == null
        ? Instant.EPOCH
        : Instant.parse(event.getEventTime().getTime());
  }

  List<String> eventReasons() {
    return events().stream().map(Event::getReason).toList();
  }

  @Override
  public void close() {
    operator.close();
    try {
      assertThat(watcher.violations()).as("app pods that ran before verification").isEmpty();
      assertThat(watcher.jobsPerMigration().values())
          .as("migration Jobs per release")
          .allMatch(count -> count == 1);
    } finally {
      watcher.close();
      TestCluster.deleteNamespace(namespace);
    }
  }
}
