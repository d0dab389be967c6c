package io.fleetlm.operator.it;

import static io.fleetlm.operator.it.Releases.awaitPhase;
import static io.fleetlm.operator.it.Releases.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.api.ReleaseOutcome;
import io.fleetlm.operator.api.ReleaseRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rollout end to end: a real API server, controllers and scheduler (kwok nodes), a real
 * PostgreSQL, and the operator. The test plays the migration container (see MigrationStandIn).
 */
class FleetlmReleaseIT {

  private static final String NAME = "chat";
  private static final String V1 = "ghcr.io/acme/fleetlm:1.0.0";
  private static final String V2 = "ghcr.io/acme/fleetlm:2.0.0";
  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final String POOL_LABEL = "fleetlm.io/test-pool";

  private final KubernetesClient client = TestCluster.client();
  private TestDatabase db;
  private String database;
  private String namespace;
  private OperatorHarness operator;
  private RolloutWatcher watcher;
  private MigrationStandIn container;

  @BeforeAll
  static void installCrd() {
    Releases.installCrd(TestCluster.client());
  }

  @BeforeEach
  void setUp() {
    namespace = TestCluster.createNamespace("release");
    useDatabase(TestDatabase.shared());
    watcher = new RolloutWatcher(client, namespace);
    container = new MigrationStandIn(client, namespace);
    operator = new OperatorHarness(client, namespace).start();
  }

  private void useDatabase(TestDatabase server) {
    db = server;
    database = server.createDatabase();
    Releases.createDatabaseSecret(client, namespace, server.ectoUrl(database));
  }

  @AfterEach
  void tearDown() {
    operator.close();
    assertThat(watcher.violations()).as("app pods that ran before verification").isEmpty();
    assertThat(watcher.jobsPerMigration().values())
        .as("migration Jobs per release")
        .allMatch(count -> count == 1);
    watcher.close();
    TestCluster.deleteNamespace(namespace);
  }

  @Test
  void firstInstallMigratesVerifiesThenScales() {
    FleetlmRelease release = Releases.release(namespace, NAME, V1, "1001", 2);
    release.getSpec().setEnv(List.of(new EnvVar("MIGRATE_ON_BOOT", "true", null)));
    client.resource(release).create();
    Pod pod = container.awaitRunningPod(V1);
    awaitPhase(client, namespace, NAME, "Migrating");
    assertThat(deployment()).as("no Deployment before verification").isNull();

    container.migrateAndSucceed(pod, db, database, 1000, 1001);

    FleetlmRelease ready = awaitPhase(client, namespace, NAME, "Ready");
    assertThat(ready.getStatus().getSchemaVersion()).isEqualTo("1001");
    assertThat(ready.getStatus().getCurrentImage()).isEqualTo(V1);
    assertThat(ready.getStatus().getReadyReplicas()).isEqualTo(2);
    assertThat(ready.getStatus().getWarnings())
        .singleElement()
        .asString()
        .contains("MIGRATE_ON_BOOT");
    for (String type : List.of("Ready", "MigrationSucceeded", "MigrationsVerified", "RolledOut")) {
      assertThat(condition(ready, type))
          .get()
          .extracting(ReleaseCondition::getStatus)
          .isEqualTo("True");
    }
    assertThat(statusOf(ready, "Stalled")).isEqualTo("False");
    assertThat(statusOf(ready, "Reconciling")).isEqualTo("False");
    Deployment deployment = deployment();
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .contains(new EnvVar("MIGRATE_ON_BOOT", "false", null));
    assertThat(appPods()).hasSize(2).allMatch(p -> V1.equals(imageOf(p)));
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(eventReasons())
                    .contains("MigrationRunning", "MigrationsVerified", "Ready"));
    Job job = onlyJob();
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .contains(new EnvVar("MIGRATE_ON_BOOT", "false", null));
  }

  @Test
  void upgradeRunsTheNewMigrationBeforeAnyNewPod() {
    installReady(V1, "1001");

    update(V2, "1002");
    Pod pod = container.awaitRunningPod(V2);
    awaitPhase(client, namespace, NAME, "Migrating");
    assertThat(appPods())
        .as("old version serving while migrating")
        .allMatch(p -> V1.equals(imageOf(p)));

    container.migrateAndSucceed(pod, db, database, 1002);

    FleetlmRelease ready = awaitPhase(client, namespace, NAME, "Ready");
    assertThat(ready.getStatus().getCurrentImage()).isEqualTo(V2);
    assertThat(ready.getStatus().getSchemaVersion()).isEqualTo("1002");
    await().atMost(TIMEOUT).until(() -> appPods().stream().allMatch(p -> V2.equals(imageOf(p))));
    assertThat(ready.getStatus().getHistory())
        .extracting(ReleaseRecord::image, ReleaseRecord::outcome)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(V2, ReleaseOutcome.Verified),
            org.assertj.core.groups.Tuple.tuple(V1, ReleaseOutcome.Verified));
  }

  @Test
  void failedMigrationStopsLoudlyAndTheOldVersionKeepsServing() {
    installReady(V1, "1001");

    update(V2, "1002");
    Pod pod = container.awaitRunningPod(V2);
    container.fail(pod, 1, "** (Postgrex.Error) ERROR 42P07 (duplicate_table) relation exists");

    FleetlmRelease failed = awaitPhase(client, namespace, NAME, "Failed");
    assertThat(reasonOf(failed, "Stalled")).isEqualTo("MigrationJobFailed");
    assertThat(statusOf(failed, "MigrationSucceeded")).isEqualTo("False");
    assertThat(failed.getStatus().getFailureMessage())
        .contains("exit code 1")
        .contains("relation exists");
    assertThat(condition(failed, "Ready").orElseThrow().getMessage())
        .contains("the Deployment keeps running " + V1);
    assertThat(failed.getStatus().getHistory().get(0).output())
        .as("the migration's last words, kept in the history beyond the Job's TTL")
        .contains("relation exists");
    // Events follow the status write they describe.
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(warningEvents())
                    .anyMatch(e -> e.getMessage().contains("relation exists")));
    assertThat(imageOf(deployment())).isEqualTo(V1);
    assertThat(appPods()).hasSize(2).allMatch(p -> V1.equals(imageOf(p)));
    assertThat(watcher.appPodImages()).containsOnly(V1);
  }

  @Test
  void anOlderImageOnANewerSchemaIsBlockedUnlessAllowed() {
    installReady(V2, "1002");
    MigrationStandIn.applyEctoMigrations(db, database, 1001);

    update(V1, "1001");
    container.migrateAndSucceed(container.awaitRunningPod(V1), db, database);
    FleetlmRelease blocked = awaitReason("Stalled", "SchemaAhead");
    assertThat(condition(blocked, "Stalled").orElseThrow().getMessage())
        .contains("1002")
        .contains("schemaAhead: Allow");
    assertThat(imageOf(deployment())).as("the newer release keeps serving").isEqualTo(V2);

    editRelease(
        r ->
            r.getSpec()
                .getMigration()
                .setSchemaAhead(io.fleetlm.operator.api.SchemaAheadPolicy.Allow));
    container.migrateAndSucceed(container.awaitRunningPod(V1), db, database);
    FleetlmRelease ready = awaitPhase(client, namespace, NAME, "Ready");
    assertThat(ready.getStatus().getCurrentImage()).isEqualTo(V1);
    assertThat(condition(ready, "MigrationsVerified").orElseThrow().getReason())
        .isEqualTo("SchemaAhead");
  }

  @Test
  void successfulJobWithMissingMigrationsFailsVerification() {
    installReady(V1, "1001");

    update(V2, "1003");
    Pod pod = container.awaitRunningPod(V2);
    // The "migration" exits 0 but only applies 1002: the database lacks 1003.
    container.migrateAndSucceed(pod, db, database, 1002);

    FleetlmRelease failed = awaitPhase(client, namespace, NAME, "Failed");
    ReleaseCondition verified = condition(failed, "MigrationsVerified").orElseThrow();
    assertThat(verified.getStatus()).isEqualTo("False");
    assertThat(verified.getReason()).isEqualTo("MigrationsMissing");
    assertThat(verified.getMessage()).contains("1003").contains("newest applied: 1002");
    assertThat(statusOf(failed, "MigrationSucceeded")).isEqualTo("True");
    assertThat(imageOf(deployment())).isEqualTo(V1);
    assertThat(watcher.appPodImages()).containsOnly(V1);
  }

  @Test
  void databaseDownDuringVerificationIsRetriedWithBackoffThenRollsOut() {
    TestDatabase ownServer = TestDatabase.dedicated();
    try {
      client.secrets().inNamespace(namespace).withName(Releases.SECRET).delete();
      await()
          .atMost(TIMEOUT)
          .until(
              () ->
                  client.secrets().inNamespace(namespace).withName(Releases.SECRET).get() == null);
      useDatabase(ownServer);
      create(V1, "1001", 1);
      Pod pod = container.awaitRunningPod(V1);
      MigrationStandIn.applyEctoMigrations(db, database, 1001);
      ownServer.stop();
      PodExit.succeed(client, pod);

      FleetlmRelease verifying = awaitReason("MigrationsVerified", "DatabaseUnreachable");
      assertThat(verifying.getStatus().getPhase().name()).isEqualTo("Verifying");
      assertThat(statusOf(verifying, "MigrationsVerified")).isEqualTo("Unknown");
      assertThat(statusOf(verifying, "Stalled")).isEqualTo("False");
      assertThat(deployment()).isNull();

      // The operator restarts while verification waits for the database.
      operator.stop();
      ownServer.start();
      operator.start();

      FleetlmRelease ready = awaitPhase(client, namespace, NAME, "Ready");
      assertThat(ready.getStatus().getSchemaVersion()).isEqualTo("1001");
    } finally {
      ownServer.close();
    }
  }

  @Test
  void newImageWhileMigratingWaitsForTheRunningMigrationAndNeverDeploysTheSupersededImage() {
    create(V1, "1001", 1);
    Pod first = container.awaitRunningPod(V1);

    update(V2, "1002");
    FleetlmRelease waiting = awaitReason("MigrationSucceeded", "WaitingForSupersededMigration");
    assertThat(condition(waiting, "Ready").orElseThrow().getMessage())
        .contains("two migrations never run at once");
    assertThat(jobs()).as("no second migration while the first runs").hasSize(1);

    container.migrateAndSucceed(first, db, database, 1001);
    Pod second = container.awaitRunningPod(V2);
    container.migrateAndSucceed(second, db, database, 1002);

    FleetlmRelease ready = awaitPhase(client, namespace, NAME, "Ready");
    assertThat(ready.getStatus().getCurrentImage()).isEqualTo(V2);
    assertThat(ready.getStatus().getHistory())
        .extracting(ReleaseRecord::image, ReleaseRecord::outcome)
        .contains(org.assertj.core.groups.Tuple.tuple(V1, ReleaseOutcome.Superseded));
    assertThat(watcher.appPodImages()).containsOnly(V2);
  }

  @Test
  void operatorRestartedWhileMigratingConvergesWithoutASecondMigration() {
    create(V1, "1001", 2);
    Pod pod = container.awaitRunningPod(V1);
    operator.stop();

    container.migrateAndSucceed(pod, db, database, 1001);
    await().atMost(TIMEOUT).until(() -> jobComplete(onlyJob()));
    operator.start();

    awaitPhase(client, namespace, NAME, "Ready");
    assertThat(jobs()).hasSize(1);
  }

  @Test
  void operatorRestartedWhenVerifiedAndAfterTheJobIsGoneNeitherMigratesNorRedeploys() {
    installReady(V1, "1001");
    long deploymentGeneration = deployment().getMetadata().getGeneration();
    operator.stop();
    // As if ttlSecondsAfterFinished removed it while the operator was away.
    client.batch().v1().jobs().inNamespace(namespace).delete();
    await().atMost(TIMEOUT).until(() -> jobs().isEmpty());

    operator.start();
    // A spec change that touches neither image nor migration: the operator must act on it...
    editRelease(r -> r.getSpec().setReplicas(3));

    await().atMost(TIMEOUT).until(() -> appPods().size() == 3);
    awaitPhase(client, namespace, NAME, "Ready");
    // ...without a new migration, and with the Deployment changed only for the replicas.
    assertThat(jobs()).isEmpty();
    assertThat(deployment().getMetadata().getGeneration()).isEqualTo(deploymentGeneration + 1);
    assertThat(imageOf(deployment())).isEqualTo(V1);
  }

  @Test
  void operatorRestartedWhileRollingOutFinishesTheRolloutWithoutMigratingAgain() {
    String pool = "pool-" + namespace;
    String node = client.nodes().list().getItems().get(0).getMetadata().getName();
    setNodeLabel(node, pool);
    try {
      FleetlmRelease release = Releases.release(namespace, NAME, V1, "1001", 2);
      release.getSpec().setNodeSelector(Map.of(POOL_LABEL, pool));
      client.resource(release).create();
      Pod pod = container.awaitRunningPod(V1);
      // The only node of the pool stops taking pods: the app pods stay Pending, the rollout waits.
      setUnschedulable(node, true);
      container.migrateAndSucceed(pod, db, database, 1001);
      awaitPhase(client, namespace, NAME, "RollingOut");
      String podTemplate =
          Serialization.asJson(
              await()
                  .atMost(TIMEOUT)
                  .until(this::deployment, d -> d != null)
                  .getSpec()
                  .getTemplate());

      operator.restart();
      setUnschedulable(node, false);

      FleetlmRelease ready = awaitPhase(client, namespace, NAME, "Ready");
      assertThat(ready.getStatus().getReadyReplicas()).isEqualTo(2);
      assertThat(jobs()).hasSize(1);
      // The cluster grew from one pod to two; what the pods run was not changed by the restart.
      assertThat(Serialization.asJson(deployment().getSpec().getTemplate())).isEqualTo(podTemplate);
    } finally {
      setUnschedulable(node, false);
      setNodeLabel(node, null);
    }
  }

  private void setNodeLabel(String node, String value) {
    client
        .nodes()
        .withName(node)
        .edit(
            n -> {
              if (value == null) {
                n.getMetadata().getLabels().remove(POOL_LABEL);
              } else {
                n.getMetadata().getLabels().put(POOL_LABEL, value);
              }
              return n;
            });
  }

  private void setUnschedulable(String node, boolean unschedulable) {
    client
        .nodes()
        .withName(node)
        .edit(
            n -> {
              n.getSpec().setUnschedulable(unschedulable);
              return n;
            });
  }

  @Test
  void operatorRestartedAfterAFailureStaysFailedAndRunsNothingNew() {
    create(V1, "1001", 1);
    container.fail(container.awaitRunningPod(V1), 2, "boom");
    awaitPhase(client, namespace, NAME, "Failed");

    operator.restart();
    editRelease(r -> r.getMetadata().setAnnotations(Map.of("touched", "yes")));

    FleetlmRelease failed = awaitPhase(client, namespace, NAME, "Failed");
    assertThat(failed.getStatus().getFailureMessage()).contains("boom");
    assertThat(jobs()).hasSize(1);
    assertThat(deployment()).isNull();

    // Changing runId is the documented way to try again.
    editRelease(r -> r.getSpec().getMigration().setRunId("retry-1"));
    container.migrateAndSucceed(container.awaitRunningPod(V1), db, database, 1001);
    awaitPhase(client, namespace, NAME, "Ready");
    assertThat(jobs()).hasSize(2);
  }

  @Test
  void pausedReleaseStartsNoMigrationUntilResumed() {
    installReady(V1, "1001");
    editRelease(
        r -> {
          r.getSpec().setPaused(true);
          r.getSpec().setImage(V2);
          r.getSpec().getMigration().setExpectedVersion("1002");
        });

    FleetlmRelease paused = awaitReason("Paused", "Paused");
    assertThat(paused.getStatus().getObservedGeneration())
        .isEqualTo(paused.getMetadata().getGeneration());
    assertThat(reasonOf(paused, "Reconciling")).isEqualTo("Paused");
    assertThat(jobs()).as("no migration while paused").hasSize(1);

    editRelease(r -> r.getSpec().setPaused(false));
    container.migrateAndSucceed(container.awaitRunningPod(V2), db, database, 1002);
    FleetlmRelease ready = awaitPhase(client, namespace, NAME, "Ready");
    assertThat(condition(ready, "Paused")).isEmpty();
    assertThat(ready.getStatus().getCurrentImage()).isEqualTo(V2);
  }

  @Test
  void missingSecretIsReportedAndTheReleaseContinuesOnceItExists() {
    client.secrets().inNamespace(namespace).withName(Releases.SECRET).delete();
    await()
        .atMost(TIMEOUT)
        .until(
            () -> client.secrets().inNamespace(namespace).withName(Releases.SECRET).get() == null);
    create(V1, "1001", 1);

    FleetlmRelease blocked = awaitReason("Stalled", "SecretNotFound");
    assertThat(condition(blocked, "Stalled").orElseThrow().getMessage())
        .contains("Secret " + Releases.SECRET)
        .contains("does not exist");
    assertThat(jobs()).isEmpty();

    Releases.createDatabaseSecret(client, namespace, db.ectoUrl(database));
    container.migrateAndSucceed(container.awaitRunningPod(V1), db, database, 1001);
    awaitPhase(client, namespace, NAME, "Ready");
  }

  private void installReady(String image, String version) {
    create(image, version, 2);
    container.migrateAndSucceed(
        container.awaitRunningPod(image), db, database, Long.parseLong(version));
    awaitPhase(client, namespace, NAME, "Ready");
    await().atMost(TIMEOUT).until(() -> appPods().size() == 2);
  }

  private void create(String image, String version, int replicas) {
    client.resource(Releases.release(namespace, NAME, image, version, replicas)).create();
  }

  private void update(String image, String version) {
    editRelease(
        r -> {
          r.getSpec().setImage(image);
          r.getSpec().getMigration().setExpectedVersion(version);
        });
  }

  private static String statusOf(FleetlmRelease release, String type) {
    return condition(release, type).map(ReleaseCondition::getStatus).orElse(null);
  }

  private static String reasonOf(FleetlmRelease release, String type) {
    return condition(release, type).map(ReleaseCondition::getReason).orElse(null);
  }

  private void editRelease(java.util.function.Consumer<FleetlmRelease> change) {
    Releases.edit(client, namespace, NAME, change);
  }

  private FleetlmRelease awaitReason(String type, String reason) {
    return await()
        .atMost(TIMEOUT)
        .until(
            () -> Releases.get(client, namespace, NAME),
            r -> condition(r, type).map(c -> reason.equals(c.getReason())).orElse(false));
  }

  private Deployment deployment() {
    return client.apps().deployments().inNamespace(namespace).withName(NAME).get();
  }

  private List<Pod> appPods() {
    return Releases.appPods(client, namespace);
  }

  private List<Job> jobs() {
    return client.batch().v1().jobs().inNamespace(namespace).list().getItems();
  }

  private Job onlyJob() {
    List<Job> jobs = jobs();
    assertThat(jobs).hasSize(1);
    return jobs.get(0);
  }

  private static boolean jobComplete(Job job) {
    return job.getStatus() != null
        && job.getStatus().getConditions() != null
        && job.getStatus().getConditions().stream()
            .anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private List<String> eventReasons() {
    return events().stream().map(Event::getReason).toList();
  }

  private List<Event> warningEvents() {
    return events().stream().filter(e -> "Warning".equals(e.getType())).toList();
  }

  private List<Event> events() {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> NAME.equals(e.getInvolvedObject().getName()))
        .filter(e -> "FleetlmRelease".equals(e.getInvolvedObject().getKind()))
        .toList();
  }

  private static String imageOf(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  private static String imageOf(Pod pod) {
    return pod.getSpec().getContainers().get(0).getImage();
  }
}
