package io.fleetlm.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.it.Releases;
import io.fleetlm.operator.it.TestCluster;
import io.fleetlm.operator.it.TestDatabase;
import io.fleetlm.operator.it.Tools;
import io.fleetlm.operator.kube.ResourceNames;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * On a real kubelet node (make e2e): the operator's own image, installed by the Helm chart into a
 * namespace enforcing "restricted", and releases of a FleetLM-shaped image whose migration
 * container really runs against PostgreSQL. Nothing here is played by the test.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealNodeE2E {

  private static final String TAINT = "fleetlm.io/real-node";
  private static final String OPERATOR_IMAGE = "localhost/fleetlm/operator";
  private static final String APP_1 = "localhost/fleetlm/app:1";
  private static final String APP_2 = "localhost/fleetlm/app:2";
  private static final String APP_BROKEN = "localhost/fleetlm/app:broken";
  private static final String APP_SLOW = "localhost/fleetlm/app:slow";
  private static final Duration TIMEOUT = Duration.ofSeconds(180);
  private static final KubernetesClient client = TestCluster.client();

  private static String nodeName;
  private static String gateway;
  private static String operatorNamespace;
  private static String apps;
  private static TestDatabase db;
  private static String database;

  @BeforeAll
  static void installTheOperatorFromItsImage() {
    Node node =
        client.nodes().list().getItems().stream()
            .filter(
                n ->
                    n.getSpec().getTaints() != null
                        && n.getSpec().getTaints().stream().anyMatch(t -> TAINT.equals(t.getKey())))
            .findFirst()
            .orElse(null);
    Assumptions.assumeTrue(
        node != null, "no real kubelet node in this cluster: run `make e2e` (needs root)");
    nodeName = node.getMetadata().getName();
    gateway =
        node.getStatus().getAddresses().stream()
            .filter(a -> "InternalIP".equals(a.getType()))
            .findFirst()
            .orElseThrow()
            .getAddress();
    Releases.installCrd(client);
    db = TestDatabase.forPods(gateway);
    database = db.createDatabase();
    Map<String, String> restricted = Map.of("pod-security.kubernetes.io/enforce", "restricted");
    operatorNamespace = TestCluster.createNamespace("fleetlm-system", restricted);
    apps = TestCluster.createNamespace("apps", restricted);
    Releases.createDatabaseSecret(client, apps, db.ectoUrlForPods(database));

    Tools.Result install =
        Tools.run(
            kubeconfig(),
            "helm",
            "install",
            "fleetlm-operator",
            "helm/fleetlm-operator",
            "-n",
            operatorNamespace,
            "--skip-crds",
            "--set",
            "image.repository=" + OPERATOR_IMAGE,
            "--set",
            "image.tag=dev",
            "--set",
            "image.pullPolicy=Never",
            "--set",
            "replicaCount=2",
            "--set",
            "watchNamespaces={" + apps + "}",
            "--set",
            "nodeSelector.kubernetes\\.io/hostname=" + nodeName,
            "--set",
            "tolerations[0].key=" + TAINT,
            "--set",
            "tolerations[0].operator=Exists",
            "--wait",
            "--timeout",
            "3m");
    assertThat(install.exitCode()).as(install.output()).isZero();
  }

  @AfterAll
  static void uninstall() {
    if (operatorNamespace == null) {
      return;
    }
    Tools.run(kubeconfig(), "helm", "uninstall", "fleetlm-operator", "-n", operatorNamespace);
    TestCluster.deleteNamespace(apps);
    TestCluster.deleteNamespace(operatorNamespace);
    db.close();
  }

  @Test
  @Order(1)
  void theOperatorRunsNonRootOnAReadOnlyRootFilesystemElectsOneLeaderAndServesMetrics()
      throws Exception {
    List<Pod> pods = operatorPods();
    assertThat(pods).hasSize(2).allMatch(RealNodeE2E::ready);
    for (Pod pod : pods) {
      var container = pod.getSpec().getContainers().get(0);
      assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(pod.getSpec().getNodeName()).isEqualTo(nodeName);
    }
    String holder =
        await()
            .atMost(TIMEOUT)
            .until(
                () -> {
                  var lease =
                      client
                          .leases()
                          .inNamespace(operatorNamespace)
                          .withName("fleetlm-operator-leader")
                          .get();
                  return lease == null ? null : lease.getSpec().getHolderIdentity();
                },
                Objects::nonNull);
    assertThat(pods).extracting(p -> p.getMetadata().getName()).contains(holder);
    HttpResponse<String> metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://" + pods.get(0).getStatus().getPodIP() + ":8080/metrics"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("fleetlm_releases");
  }

  @Test
  @Order(2)
  void aReleaseMigratesInARealContainerThenRollsOutPodsThatNeverMigrate() {
    client.resource(onTheRealNode(Releases.release(apps, "chat", APP_1, "1001", 2))).create();

    FleetlmRelease ready = awaitPhase("Ready");
    assertThat(ready.getStatus().getCurrentImage()).isEqualTo(APP_1);
    assertThat(ready.getStatus().getHistory().get(0).output())
        .as("the image's own Ecto.Migrator.migrations, summed up by the migration container")
        .isEqualTo("fleetlm-migrations/v1 shipped=1 newest=1001 down=0 unknown=0");

    Pod migration = migrationPods().get(0);
    ContainerStateTerminated exit = terminated(migration);
    assertThat(exit.getExitCode()).as("the migration container's own exit code").isZero();
    List<Pod> appPods = appPods();
    assertThat(appPods).hasSize(2).allMatch(RealNodeE2E::ready);
    for (Pod pod : appPods) {
      assertThat(pod.getSpec().getContainers().get(0).getEnv())
          .contains(new EnvVar("MIGRATE_ON_BOOT", "false", null));
      assertThat(client.pods().inNamespace(apps).withName(pod.getMetadata().getName()).getLog())
          .contains("Skipping database migrations because MIGRATE_ON_BOOT=false");
    }
    assertThat(db.column(database, "SELECT version FROM schema_migrations"))
        .containsExactly("1001");
    assertThat(db.column(database, "SELECT DISTINCT pod FROM fleetlm_standin_runs"))
        .as("pods that ran a migration: the migration Job's only")
        .containsExactly(migration.getMetadata().getName());
  }

  @Test
  @Order(3)
  void aFailingMigrationReportsTheRealExitCodeAndTheOldPodsKeepServing() {
    upgradeTo(APP_BROKEN, "1003");

    FleetlmRelease failed = awaitPhase("Failed");
    assertThat(failed.getStatus().getFailureMessage())
        .contains("exit code 1")
        .contains("migration 1003 (up) failed")
        .contains("already exists");
    assertThat(failed.getStatus().getCurrentImage()).isEqualTo(APP_1);
    assertThat(appPods())
        .hasSize(2)
        .allMatch(RealNodeE2E::ready)
        .allMatch(p -> APP_1.equals(p.getSpec().getContainers().get(0).getImage()));
  }

  @Test
  @Order(4)
  void aNamedUserWithoutANumericOneIsRefusedByTheKubelet() {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("named-user")
            .withNamespace(apps)
            .endMetadata()
            .withNewSpec()
            .withNodeSelector(Map.of("kubernetes.io/hostname", nodeName))
            .withTolerations(toleration())
            .withNewSecurityContext()
            .withRunAsNonRoot(true)
            .withNewSeccompProfile()
            .withType("RuntimeDefault")
            .endSeccompProfile()
            .endSecurityContext()
            .addNewContainer()
            .withName("app")
            .withImage(APP_1)
            .withImagePullPolicy("Never")
            .withNewSecurityContext()
            .withAllowPrivilegeEscalation(false)
            .withNewCapabilities()
            .withDrop("ALL")
            .endCapabilities()
            .endSecurityContext()
            .endContainer()
            .endSpec()
            .build();
    client.resource(pod).create();
    ContainerStatus status =
        await()
            .atMost(TIMEOUT)
            .until(
                () -> {
                  Pod p = client.pods().inNamespace(apps).withName("named-user").get();
                  return p.getStatus().getContainerStatuses() == null
                          || p.getStatus().getContainerStatuses().isEmpty()
                      ? null
                      : p.getStatus().getContainerStatuses().get(0);
                },
                s ->
                    s != null
                        && s.getState().getWaiting() != null
                        && "CreateContainerConfigError"
                            .equals(s.getState().getWaiting().getReason()));
    assertThat(status.getState().getWaiting().getMessage()).contains("non-numeric user (app)");
  }

  @Test
  @Order(5)
  void anImageThatIsNotThereStallsWithinSecondsAndItsFixTakesEffectAtOnce() {
    OwnDatabase own = onItsOwnDatabase("stuck", "localhost/fleetlm/app:absent", 1);
    String stuckDb = own.database();
    FleetlmRelease release = own.release();
    release.getSpec().setImagePullPolicy("Never");
    long applied = System.nanoTime();
    client.resource(release).create();

    FleetlmRelease stalled = awaitStalled("stuck", "ImagePullFailed");
    long reported = System.nanoTime();
    assertThat(stalledMessage(stalled)).contains("ErrImageNeverPull");

    Releases.edit(client, apps, "stuck", r -> r.getSpec().setImage(APP_1));
    Releases.awaitPhase(client, apps, "stuck", "Ready", TIMEOUT);
    System.out.printf(
        "measured: ImagePullFailed in the status %d ms after apply; Ready %d ms after the fix%n",
        (reported - applied) / 1_000_000, (System.nanoTime() - reported) / 1_000_000);
    assertThat(db.column(stuckDb, "SELECT version FROM schema_migrations")).containsExactly("1001");
  }

  @Test
  @Order(6)
  void aMissingSecretKeyStallsAsAContainerConfigErrorUntilTheKeyExists() {
    FleetlmRelease release = onItsOwnDatabase("config", APP_1, 1).release();
    release
        .getSpec()
        .setEnv(
            List.of(
                new io.fabric8.kubernetes.api.model.EnvVarBuilder()
                    .withName("SMTP_PASSWORD")
                    .withNewValueFrom()
                    .withNewSecretKeyRef("SMTP_PASSWORD", "config-db", false)
                    .endValueFrom()
                    .build()));
    long applied = System.nanoTime();
    client.resource(release).create();

    FleetlmRelease stalled = awaitStalled("config", "ContainerConfigError");
    System.out.printf(
        "measured: ContainerConfigError in the status %d ms after apply%n",
        (System.nanoTime() - applied) / 1_000_000);
    assertThat(stalledMessage(stalled))
        .contains("CreateContainerConfigError")
        .contains("SMTP_PASSWORD");

    client
        .secrets()
        .inNamespace(apps)
        .withName("config-db")
        .edit(
            s -> {
              s.getData()
                  .put(
                      "SMTP_PASSWORD",
                      java.util.Base64.getEncoder().encodeToString("smtp-pw".getBytes()));
              return s;
            });
    Releases.awaitPhase(client, apps, "config", "Ready", TIMEOUT);
  }

  @Test
  @Order(7)
  void aRollbackRunsTheNewerImagesDownMigrationThenTheOlderImageServes() {
    OwnDatabase own = onItsOwnDatabase("back", APP_1, 1);
    String backDb = own.database();
    client.resource(own.release()).create();
    Releases.awaitPhase(client, apps, "back", "Ready", TIMEOUT);
    editBack(
        r -> {
          r.getSpec().setImage(APP_2);
          r.getSpec().getMigration().setExpectedVersion("1002");
        });
    await()
        .atMost(TIMEOUT)
        .until(
            () -> Releases.get(client, apps, "back").getStatus().getCurrentImage(), APP_2::equals);
    Releases.awaitPhase(client, apps, "back", "Ready", TIMEOUT);

    // The older image alone, with no expectedVersion: its own Ecto.Migrator.migrations report
    // names the migration it has no file for, and nothing is deployed.
    editBack(
        r -> {
          r.getSpec().setImage(APP_1);
          r.getSpec().getMigration().setExpectedVersion(null);
        });
    FleetlmRelease refused = Releases.awaitPhase(client, apps, "back", "Failed", TIMEOUT);
    assertThat(Releases.condition(refused, "Ready").orElseThrow().getReason())
        .isEqualTo("UnknownMigrationsInDatabase");
    assertThat(refused.getStatus().getHistory().get(0).output())
        .isEqualTo("fleetlm-migrations/v1 shipped=1 newest=1001 down=0 unknown=1,1002");
    assertThat(refused.getStatus().getCurrentImage()).isEqualTo(APP_2);

    editBack(
        r -> {
          r.getSpec().setImage(APP_1);
          r.getSpec().getMigration().setExpectedVersion("1001");
          r.getSpec().getMigration().setRollbackTo("1001");
        });
    FleetlmRelease back =
        await()
            .atMost(TIMEOUT)
            .until(
                () -> Releases.awaitPhase(client, apps, "back", "Ready", TIMEOUT),
                r -> APP_1.equals(r.getStatus().getCurrentImage()));

    assertThat(Releases.condition(back, "MigrationsVerified").orElseThrow().getReason())
        .isEqualTo("RolledBack");
    assertThat(db.column(backDb, "SELECT version FROM schema_migrations")).containsExactly("1001");
    assertThat(
            db.column(
                backDb, "SELECT version || ' ' || direction FROM fleetlm_standin_runs ORDER BY at"))
        .as("what the real containers did, in order")
        .containsExactly("1001 up", "1002 up", "1002 down");
    Pod rollbackPod =
        migrationPods().stream()
            .filter(
                p -> p.getSpec().getContainers().get(0).getArgs().toString().contains("rollback"))
            .findFirst()
            .orElseThrow();
    assertThat(rollbackPod.getSpec().getContainers().get(0).getImage()).isEqualTo(APP_2);
    assertThat(terminated(rollbackPod).getExitCode()).isZero();
    assertThat(
            Releases.appPods(client, apps).stream()
                .filter(
                    p ->
                        "back"
                            .equals(p.getMetadata().getLabels().get(ResourceNames.LABEL_RELEASE))))
        .singleElement()
        .satisfies(p -> assertThat(p.getSpec().getContainers().get(0).getImage()).isEqualTo(APP_1))
        .matches(RealNodeE2E::ready);
  }

  private static void editBack(Consumer<FleetlmRelease> change) {
    Releases.edit(client, apps, "back", change);
  }

  /**
   * Kubernetes may run a Job's pod twice; the operator's database Lease does not stop that. What
   * does is the migrator itself: like Ecto, the stand-in migrates under a table lock on
   * schema_migrations and re-checks what is pending once it holds it.
   */
  @Test
  @Order(8)
  void twoMigrationPodsStartedTogetherOnOneDatabaseApplyEachMigrationOnce() {
    String twiceDb = db.createDatabase();
    Releases.createDatabaseSecretNamed(client, apps, "twice-db", db.ectoUrlForPods(twiceDb));
    List<String> names = List.of("migrate-a", "migrate-b");
    for (String name : names) {
      client
          .resource(
              new PodBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .withNamespace(apps)
                  .endMetadata()
                  .withNewSpec()
                  .withRestartPolicy("Never")
                  .withNodeSelector(Map.of("kubernetes.io/hostname", nodeName))
                  .withTolerations(toleration())
                  .withNewSecurityContext()
                  .withRunAsNonRoot(true)
                  .withRunAsUser(1000L)
                  .withRunAsGroup(1000L)
                  .withNewSeccompProfile()
                  .withType("RuntimeDefault")
                  .endSeccompProfile()
                  .endSecurityContext()
                  .addNewContainer()
                  .withName("migrate")
                  .withImage(APP_2)
                  .withNewSecurityContext()
                  .withAllowPrivilegeEscalation(false)
                  .withNewCapabilities()
                  .withDrop("ALL")
                  .endCapabilities()
                  .endSecurityContext()
                  .withImagePullPolicy("Never")
                  .withArgs("eval", "Fleetlm.Release.migrate")
                  .addNewEnv()
                  .withName("DATABASE_URL")
                  .withNewValueFrom()
                  .withNewSecretKeyRef("DATABASE_URL", "twice-db", false)
                  .endValueFrom()
                  .endEnv()
                  .endContainer()
                  .endSpec()
                  .build())
          .create();
    }
    List<Pod> ended =
        await()
            .atMost(TIMEOUT)
            .until(
                () ->
                    names.stream()
                        .map(n -> client.pods().inNamespace(apps).withName(n).get())
                        .toList(),
                pods -> pods.stream().allMatch(p -> "Succeeded".equals(p.getStatus().getPhase())));

    List<ContainerStateTerminated> exits = ended.stream().map(RealNodeE2E::terminated).toList();
    System.out.printf(
        "measured: two migration containers ran %s-%s and %s-%s%n",
        exits.get(0).getStartedAt(),
        exits.get(0).getFinishedAt(),
        exits.get(1).getStartedAt(),
        exits.get(1).getFinishedAt());
    assertThat(db.column(twiceDb, "SELECT version FROM schema_migrations ORDER BY version"))
        .containsExactly("1001", "1002");
    assertThat(
            db.column(
                twiceDb,
                "SELECT version || ' ' || direction FROM fleetlm_standin_runs ORDER BY version"))
        .as("each migration ran once, whichever pod got the lock first")
        .containsExactly("1001 up", "1002 up");
  }

  /**
   * DNSPoll's view, on real pods: each pod looks the headless Service up through the cluster's DNS
   * (CoreDNS on the real node) and reaches the other at the node name the operator gave it.
   */
  @Test
  @Order(9)
  void twoPodsFindEachOtherThroughTheHeadlessServiceByTheirNodeNames() {
    client.resource(onItsOwnDatabase("ring", APP_1, 2).release()).create();

    FleetlmRelease ready = Releases.awaitPhase(client, apps, "ring", "Ready", TIMEOUT);
    assertThat(ready.getStatus().getClusterMembers()).isEqualTo(2);
    List<Pod> pods =
        Releases.appPods(client, apps).stream()
            .filter(
                p -> "ring".equals(p.getMetadata().getLabels().get(ResourceNames.LABEL_RELEASE)))
            .toList();
    assertThat(pods).hasSize(2);
    for (Pod pod : pods) {
      Pod other = pods.stream().filter(p -> p != pod).findFirst().orElseThrow();
      String self = "fleetlm@" + pod.getStatus().getPodIP();
      String peer = "fleetlm@" + other.getStatus().getPodIP();
      String log =
          await()
              .atMost(TIMEOUT)
              .until(
                  () ->
                      client
                          .pods()
                          .inNamespace(apps)
                          .withName(pod.getMetadata().getName())
                          .getLog(),
                  l -> l.contains("cluster: " + self + " reaches " + peer));
      assertThat(log)
          .as("the downward API gave the node its own IP, and the cookie is set but not shown")
          .contains("cluster: node " + self + " (distribution name, cookie set)")
          .doesNotContain(
              new String(
                  Base64.getDecoder()
                      .decode(
                          client
                              .secrets()
                              .inNamespace(apps)
                              .withName("ring-cookie")
                              .get()
                              .getData()
                              .get("RELEASE_COOKIE"))));
    }
  }

  @Test
  @Order(10)
  void upgradingTheOperatorMidMigrationAndUninstallingItLoseNothing() {
    upgradeTo(APP_SLOW, "1004");
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                migrationPods().stream()
                    .anyMatch(
                        p ->
                            APP_SLOW.equals(p.getSpec().getContainers().get(0).getImage())
                                && "Running".equals(p.getStatus().getPhase())));

    // While the migration runs: a new operator (a changed setting rolls its pods).
    Tools.Result upgrade =
        Tools.run(
            kubeconfig(),
            "helm",
            "upgrade",
            "fleetlm-operator",
            "helm/fleetlm-operator",
            "-n",
            operatorNamespace,
            "--reuse-values",
            "--set",
            "logLevel=DEBUG",
            "--wait",
            "--timeout",
            "3m");
    assertThat(upgrade.exitCode()).as(upgrade.output()).isZero();

    FleetlmRelease ready = awaitPhase("Ready");
    assertThat(ready.getStatus().getCurrentImage()).isEqualTo(APP_SLOW);
    assertThat(
            client.batch().v1().jobs().inNamespace(apps).list().getItems().stream()
                .filter(
                    j ->
                        APP_SLOW.equals(
                            j.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()))
                .count())
        .as("one migration for the release, across the operator's upgrade")
        .isEqualTo(1);
    assertThat(db.column(database, "SELECT version FROM schema_migrations ORDER BY version"))
        .containsExactly("1001", "1002", "1004");

    Tools.Result uninstall =
        Tools.run(
            kubeconfig(),
            "helm",
            "uninstall",
            "fleetlm-operator",
            "-n",
            operatorNamespace,
            "--wait");
    assertThat(uninstall.exitCode()).as(uninstall.output()).isZero();
    await().atMost(TIMEOUT).until(() -> operatorPods().isEmpty());
    assertThat(
            client
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("fleetlmreleases.fleetlm.io")
                .get())
        .as("the CRD")
        .isNotNull();
    assertThat(Releases.get(client, apps, "chat")).as("the release").isNotNull();
    assertThat(appPods())
        .as("FleetLM keeps serving without its operator")
        .hasSize(2)
        .allMatch(RealNodeE2E::ready)
        .allMatch(p -> APP_SLOW.equals(p.getSpec().getContainers().get(0).getImage()));
  }

  private static FleetlmRelease awaitStalled(String name, String reason) {
    return await()
        .atMost(TIMEOUT)
        .until(
            () -> Releases.get(client, apps, name),
            r ->
                Releases.condition(r, "Stalled")
                    .filter(c -> "True".equals(c.getStatus()) && reason.equals(c.getReason()))
                    .isPresent());
  }

  private static String stalledMessage(FleetlmRelease release) {
    return Releases.condition(release, "Stalled").orElseThrow().getMessage();
  }

  private static void upgradeTo(String image, String expectedVersion) {
    client
        .resources(FleetlmRelease.class)
        .inNamespace(apps)
        .withName("chat")
        .edit(
            r -> {
              r.getSpec().setImage(image);
              r.getSpec().getMigration().setExpectedVersion(expectedVersion);
              return r;
            });
  }

  /** A release of its own on a database of its own, so that tests do not meet in the schema. */
  private record OwnDatabase(FleetlmRelease release, String database) {}

  private static OwnDatabase onItsOwnDatabase(String name, String image, int replicas) {
    String database = db.createDatabase();
    String secret = name + "-db";
    Releases.createDatabaseSecretNamed(client, apps, secret, db.ectoUrlForPods(database));
    FleetlmRelease release = onTheRealNode(Releases.release(apps, name, image, "1001", replicas));
    release.getSpec().getDatabase().getUrlSecretRef().setName(secret);
    release.getSpec().getDatabase().getSecretKeyBaseSecretRef().setName(secret);
    return new OwnDatabase(release, database);
  }

  private static FleetlmRelease onTheRealNode(FleetlmRelease release) {
    release.getSpec().setNodeSelector(Map.of("kubernetes.io/hostname", nodeName));
    release.getSpec().setTolerations(List.of(toleration()));
    return release;
  }

  private static Toleration toleration() {
    Toleration toleration = new Toleration();
    toleration.setKey(TAINT);
    toleration.setOperator("Exists");
    return toleration;
  }

  private static FleetlmRelease awaitPhase(String phase) {
    return Releases.awaitPhase(client, apps, "chat", phase, TIMEOUT);
  }

  private static List<Pod> operatorPods() {
    return client
        .pods()
        .inNamespace(operatorNamespace)
        .withLabel("app.kubernetes.io/name", "fleetlm-operator")
        .list()
        .getItems();
  }

  /** The app pods of the release "chat" (other tests run releases of their own beside it). */
  private static List<Pod> appPods() {
    return Releases.appPods(client, apps).stream()
        .filter(p -> "chat".equals(p.getMetadata().getLabels().get(ResourceNames.LABEL_RELEASE)))
        .toList();
  }

  private static List<Pod> migrationPods() {
    return client
        .pods()
        .inNamespace(apps)
        .withLabel(ResourceNames.LABEL_COMPONENT, ResourceNames.COMPONENT_MIGRATION)
        .list()
        .getItems();
  }

  private static ContainerStateTerminated terminated(Pod pod) {
    return pod.getStatus().getContainerStatuses().get(0).getState().getTerminated();
  }

  private static boolean ready(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static Map<String, String> kubeconfig() {
    return TestCluster.kubeconfigEnv();
  }
}
