package io.fleetlm.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.PodSecuritySpec;
import io.fleetlm.operator.it.Releases;
import io.fleetlm.operator.it.TestCluster;
import io.fleetlm.operator.it.TestDatabase;
import io.fleetlm.operator.it.Tools;
import io.fleetlm.operator.kube.ResourceNames;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * On a real kubelet node (make e2e): the operator's own image, installed by the Helm chart into a
 * namespace enforcing "restricted", and releases of the FleetLM test double (hack/images/fleetlm:
 * Elixir, Erlang distribution, FleetLM's Raft membership) whose containers really run against
 * PostgreSQL. Nothing here is played by the test.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealNodeE2E {

  private static final String APP_1 = "localhost/fleetlm/app:1";
  private static final String APP_2 = "localhost/fleetlm/app:2";
  private static final String APP_BROKEN = "localhost/fleetlm/app:broken";
  private static final String APP_SLOW = "localhost/fleetlm/app:slow";
  private static final String APP_FASTPACA = "localhost/fleetlm/app:fastpaca";
  // The double's migrations carry FleetLM's own versions: image 1 ships the first two, image 2
  // two more, broken adds one that fails, slow one that takes 20 s, fastpaca Fastpaca's first.
  private static final String V1 = "20250930063818";
  private static final String V2 = "20251001063431";
  private static final String V3 = "20251005104320";
  private static final String V4 = "20251019063736";
  private static final String V_BROKEN = "20251021155555";
  private static final String V_SLOW = "20251115090000";
  private static final String V_FASTPACA = "20251030000100";
  private static final Duration TIMEOUT = RealNode.TIMEOUT;
  private static final KubernetesClient client = TestCluster.client();

  private static RealNode node;
  private static String operatorNamespace;
  private static String apps;
  private static TestDatabase db;
  private static String database;

  @BeforeAll
  static void installTheOperatorFromItsImage() {
    node = RealNode.require(client);
    Releases.installCrd(client);
    db = TestDatabase.forPods(node.gateway);
    database = db.createDatabase();
    Map<String, String> restricted = Map.of("pod-security.kubernetes.io/enforce", "restricted");
    operatorNamespace = TestCluster.createNamespace("fleetlm-system", restricted);
    apps = TestCluster.createNamespace("apps", restricted);
    Releases.createDatabaseSecret(client, apps, db.ectoUrlForPods(database));

    // The Deployment roll, which releases made before clusterRoll nodes keep and which these
    // tests read (its pods find each other by DNS); OperatorRollE2E runs the default roll.
    node.installOperator(
        "fleetlm-operator",
        operatorNamespace,
        apps,
        "replicaCount=2",
        "resync=5s",
        "clusterRoll=deployment");
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
    assertThat(pods).hasSize(2).allMatch(RealNode::ready);
    for (Pod pod : pods) {
      var container = pod.getSpec().getContainers().get(0);
      assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(pod.getSpec().getNodeName()).isEqualTo(node.name);
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
    client.resource(node.place(Releases.release(apps, "chat", APP_1, V2, 2))).create();

    FleetlmRelease ready = awaitPhase("Ready");
    assertThat(ready.getStatus().getCurrentImage()).isEqualTo(APP_1);
    assertThat(ready.getStatus().getHistory().get(0).output())
        .as("the image's own Ecto.Migrator.migrations, summed up by the migration container")
        .isEqualTo("fleetlm-migrations/v1 shipped=2 newest=" + V2 + " down=0 unknown=0");

    Pod migration = migrationPods().get(0);
    ContainerStateTerminated exit = RealNode.terminated(migration);
    assertThat(exit.getExitCode()).as("the migration container's own exit code").isZero();
    List<Pod> appPods = appPods();
    assertThat(appPods).hasSize(2).allMatch(RealNode::ready);
    for (Pod pod : appPods) {
      var container = pod.getSpec().getContainers().get(0);
      assertThat(container.getEnv()).contains(new EnvVar("MIGRATE_ON_BOOT", "false", null));
      assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(client.pods().inNamespace(apps).withName(pod.getMetadata().getName()).getLog())
          .contains("Skipping database migrations because MIGRATE_ON_BOOT=false");
    }
    assertThat(db.column(database, "SELECT version FROM schema_migrations ORDER BY 1"))
        .containsExactly(V1, V2);
    StandinEvents events = new StandinEvents(db, database);
    assertThat(events.of("migrated"))
        .as("pods that ran a migration: the migration Job's only")
        .extracting(StandinEvents.Event::pod)
        .containsOnly(migration.getMetadata().getName());
    assertThat(events.await("booted", 2))
        .as("the app pods' nodes booted in their working directory, a volume of the pod")
        .allSatisfy(e -> assertThat(e.detail()).startsWith("no Raft state in /var/lib/fleetlm/"));
  }

  /**
   * Like FleetLM, the double writes no termination message when a migration fails: what the status
   * says comes from the log tail the kubelet keeps (FallbackToLogsOnError), masked.
   */
  @Test
  @Order(3)
  void aFailingMigrationReportsTheRealExitCodeAndLogTailAndTheOldPodsKeepServing() {
    upgradeTo(APP_BROKEN, V_BROKEN);

    FleetlmRelease failed = awaitPhase("Failed");
    assertThat(failed.getStatus().getFailureMessage())
        .contains("exit code 1")
        .contains("** (Postgrex.Error) ERROR 42701 (duplicate_column)")
        .as("the log tail, which only the container's output holds")
        .contains("== Running " + V_BROKEN);
    assertThat(failed.getStatus().getCurrentImage()).isEqualTo(APP_1);
    assertThat(appPods())
        .hasSize(2)
        .allMatch(RealNode::ready)
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
            .withNodeSelector(node.nodeSelector())
            .withTolerations(RealNode.toleration())
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

    edit("stuck", r -> r.getSpec().setImage(APP_1));
    Releases.awaitPhase(client, apps, "stuck", "Ready", TIMEOUT);
    System.out.printf(
        "measured: ImagePullFailed in the status %d ms after apply; Ready %d ms after the fix%n",
        (reported - applied) / 1_000_000, (System.nanoTime() - reported) / 1_000_000);
    assertThat(db.column(stuckDb, "SELECT version FROM schema_migrations ORDER BY 1"))
        .containsExactly(V1, V2);
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
    edit(
        "back",
        r -> {
          r.getSpec().setImage(APP_2);
          r.getSpec().getMigration().setExpectedVersion(V4);
        });
    await()
        .atMost(TIMEOUT)
        .until(
            () -> Releases.get(client, apps, "back").getStatus().getCurrentImage(), APP_2::equals);
    Releases.awaitPhase(client, apps, "back", "Ready", TIMEOUT);

    // The older image alone, with no expectedVersion: its own Ecto.Migrator.migrations report
    // names the migration it has no file for, and nothing is deployed.
    edit(
        "back",
        r -> {
          r.getSpec().setImage(APP_1);
          r.getSpec().getMigration().setExpectedVersion(null);
        });
    FleetlmRelease refused = Releases.awaitPhase(client, apps, "back", "Failed", TIMEOUT);
    assertThat(Releases.condition(refused, "Ready").orElseThrow().getReason())
        .isEqualTo("UnknownMigrationsInDatabase");
    assertThat(refused.getStatus().getHistory().get(0).output())
        .isEqualTo(
            "fleetlm-migrations/v1 shipped=2 newest=" + V2 + " down=0 unknown=2," + V3 + "," + V4);
    assertThat(refused.getStatus().getCurrentImage()).isEqualTo(APP_2);

    edit(
        "back",
        r -> {
          r.getSpec().setImage(APP_1);
          r.getSpec().getMigration().setExpectedVersion(V2);
          r.getSpec().getMigration().setRollbackTo(V2);
        });
    FleetlmRelease back =
        await()
            .atMost(TIMEOUT)
            .until(
                () -> Releases.awaitPhase(client, apps, "back", "Ready", TIMEOUT),
                r -> APP_1.equals(r.getStatus().getCurrentImage()));

    assertThat(Releases.condition(back, "MigrationsVerified").orElseThrow().getReason())
        .isEqualTo("RolledBack");
    assertThat(db.column(backDb, "SELECT version FROM schema_migrations ORDER BY 1"))
        .containsExactly(V1, V2);
    assertThat(
            new StandinEvents(db, backDb)
                .all().stream()
                    .filter(e -> e.event().equals("migrated") || e.event().equals("rolled_back"))
                    .map(e -> e.event() + " " + e.detail()))
        .as("what the real containers did, in order")
        .containsExactly(
            "migrated " + V1,
            "migrated " + V2,
            "migrated " + V3,
            "migrated " + V4,
            "rolled_back " + V4,
            "rolled_back " + V3);
    Pod rollbackPod =
        migrationPods().stream()
            .filter(
                p -> p.getSpec().getContainers().get(0).getArgs().toString().contains("rollback"))
            .findFirst()
            .orElseThrow();
    assertThat(rollbackPod.getSpec().getContainers().get(0).getImage()).isEqualTo(APP_2);
    assertThat(RealNode.terminated(rollbackPod).getExitCode()).isZero();
    assertThat(
            Releases.appPods(client, apps).stream()
                .filter(
                    p ->
                        "back"
                            .equals(p.getMetadata().getLabels().get(ResourceNames.LABEL_RELEASE))))
        .singleElement()
        .satisfies(p -> assertThat(p.getSpec().getContainers().get(0).getImage()).isEqualTo(APP_1))
        .matches(RealNode::ready);
  }

  private static EnvVar fromSecret(String key, String secret) {
    return new EnvVarBuilder()
        .withName(key)
        .withNewValueFrom()
        .withNewSecretKeyRef(key, secret, false)
        .endValueFrom()
        .build();
  }

  /** Changes a release of the apps namespace as `kubectl edit` does. */
  private static void edit(String name, Consumer<FleetlmRelease> change) {
    Releases.edit(client, apps, name, change);
  }

  /**
   * Kubernetes may run a Job's pod twice; the operator's database Lease does not stop that. What
   * does is the migrator itself: like Ecto, the double migrates under a table lock on
   * schema_migrations and reads what is pending once it holds it.
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
              node.restrictedPod(
                  apps,
                  name,
                  new ContainerBuilder()
                      .withName("migrate")
                      .withImage(APP_2)
                      .withImagePullPolicy("Never")
                      .withSecurityContext(RealNode.restrictedContainer())
                      .withArgs("eval", "Fleetlm.Release.migrate")
                      .withEnv(fromSecret("DATABASE_URL", "twice-db"))
                      .addToEnv(fromSecret("SECRET_KEY_BASE", "twice-db"))
                      .build()))
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

    List<ContainerStateTerminated> exits = ended.stream().map(RealNode::terminated).toList();
    System.out.printf(
        "measured: two migration containers ran %s-%s and %s-%s%n",
        exits.get(0).getStartedAt(),
        exits.get(0).getFinishedAt(),
        exits.get(1).getStartedAt(),
        exits.get(1).getFinishedAt());
    assertThat(db.column(twiceDb, "SELECT version FROM schema_migrations ORDER BY version"))
        .containsExactly(V1, V2, V3, V4);
    assertThat(new StandinEvents(db, twiceDb).of("migrated"))
        .as("each migration ran once, whichever pod got the lock first")
        .extracting(StandinEvents.Event::detail)
        .containsExactlyInAnyOrder(V1, V2, V3, V4);
  }

  /**
   * Erlang distribution on real pods: each node looks the headless Service up through the cluster's
   * DNS (CoreDNS on the real node), as libcluster's DNSPoll does, and connects to the other at the
   * node name the operator gave it, with the cookie of the release's Secret.
   */
  @Test
  @Order(9)
  void twoPodsConnectThroughTheHeadlessServiceByTheirNodeNames() {
    OwnDatabase own = onItsOwnDatabase("ring", APP_1, 2);
    client.resource(own.release()).create();

    FleetlmRelease ready = Releases.awaitPhase(client, apps, "ring", "Ready", TIMEOUT);
    assertThat(ready.getStatus().getClusterMembers()).isEqualTo(2);
    List<Pod> pods = appPodsOf("ring");
    assertThat(pods).hasSize(2);
    String cookie =
        new String(
            Base64.getDecoder()
                .decode(
                    client
                        .secrets()
                        .inNamespace(apps)
                        .withName("ring-cookie")
                        .get()
                        .getData()
                        .get("RELEASE_COOKIE")));
    for (Pod pod : pods) {
      Pod other = pods.stream().filter(p -> p != pod).findFirst().orElseThrow();
      String name = pod.getMetadata().getName();
      String peer = "fleetlm@" + other.getStatus().getPodIP();
      Tools.Result connected =
          await()
              .atMost(TIMEOUT)
              .until(
                  () -> RealNode.rpc(apps, name, "IO.puts(inspect({node(), Node.list()}))"),
                  r -> r.output().contains(peer));
      assertThat(connected.output())
          .as("the downward API gave the node its own IP")
          .contains("fleetlm@" + pod.getStatus().getPodIP());
      assertThat(client.pods().inNamespace(apps).withName(name).getLog())
          .as("the cookie is set, never shown")
          .doesNotContain(cookie);
    }
    // FleetLM founds a cluster wherever a node starts beside no node holding groups; the first
    // start growing one pod at a time is what leaves exactly one founder.
    assertThat(new StandinEvents(db, own.database()).of("bootstrap"))
        .as("Raft clusters founded by two pods created at once")
        .singleElement()
        .satisfies(
            founded ->
                assertThat(founded.detail()).isEqualTo("founding members: " + founded.node()));
  }

  /**
   * OpenShift's restricted-v2 style: a uid the image does not know and a read-only root filesystem.
   * FleetLM's node needs a writable working directory for Raft (FleetlmDoubleE2E shows it failing
   * without one); the operator gives it a volume, which also outlives a restart of the container.
   * FleetLM does not reuse the Raft state it finds there (its servers start with fresh uids), and
   * neither does the double: a restarted single node founds its groups again.
   */
  @Test
  @Order(10)
  void anArbitraryUidOnAReadOnlyRootFilesystemBootsAndARestartFindsItsDirectoryAgain() {
    OwnDatabase own = onItsOwnDatabase("anyuid", APP_1, 1);
    PodSecuritySpec arbitrary = new PodSecuritySpec();
    arbitrary.setRunAsUser(1000680000L);
    arbitrary.setRunAsGroup(1000680000L);
    arbitrary.setFsGroup(1000680000L);
    own.release().getSpec().setSecurityContext(arbitrary);
    client.resource(own.release()).create();
    Releases.awaitPhase(client, apps, "anyuid", "Ready", TIMEOUT);
    Pod pod = appPodsOf("anyuid").get(0);
    String name = pod.getMetadata().getName();
    StandinEvents events = new StandinEvents(db, own.database());
    assertThat(events.await("booted", 1))
        .singleElement()
        .satisfies(e -> assertThat(e.detail()).startsWith("no Raft state in /var/lib/fleetlm/"));

    // SIGTERM to the node, PID 1 of the container: the BEAM stops, the kubelet restarts it.
    RealNode.exec(apps, name, "bash", "-c", "kill 1");

    List<StandinEvents.Event> booted = events.await("booted", 2);
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client
                    .pods()
                    .inNamespace(apps)
                    .withName(name)
                    .get()
                    .getStatus()
                    .getContainerStatuses()
                    .get(0)
                    .getRestartCount(),
            restarts -> restarts == 1);
    assertThat(booted.get(1).pod()).isEqualTo(name);
    assertThat(booted.get(1).detail())
        .as("the same node finds the directory it wrote, and does not reuse it, as FleetLM")
        .matches(
            "found Raft state of [1-9][0-9]* groups in /var/lib/fleetlm/fleetlm@.*, not reused:"
                + " servers start with fresh uids");
    assertThat(events.await("bootstrap", 2))
        .as("alone again, it founds its groups again")
        .extracting(StandinEvents.Event::pod)
        .containsOnly(name);
    Releases.awaitPhase(client, apps, "anyuid", "Ready", TIMEOUT);
  }

  /**
   * Phoenix's check_origin: a browser's WebSocket is accepted only from the endpoint's host,
   * PHX_HOST. The fixture's releases set spec.publicHost; a release without it is warned.
   */
  @Test
  @Order(11)
  void browsersReachThePublicHostAndAReleaseWithoutOneIsWarned() throws IOException {
    Pod chat = appPods().get(0);
    assertThat(webSocket(chat, "https://chat.example.com")).startsWith("HTTP/1.1 101");
    assertThat(webSocket(chat, "https://elsewhere.example.org")).startsWith("HTTP/1.1 403");

    OwnDatabase own = onItsOwnDatabase("nohost", APP_1, 1);
    own.release().getSpec().setPublicHost(null);
    client.resource(own.release()).create();
    FleetlmRelease ready = Releases.awaitPhase(client, apps, "nohost", "Ready", TIMEOUT);
    assertThat(ready.getStatus().getWarnings())
        .anySatisfy(w -> assertThat(w).contains("spec.publicHost is not set"));
    assertThat(
            client.v1().events().inNamespace(apps).list().getItems().stream()
                .filter(e -> "nohost".equals(e.getInvolvedObject().getName()))
                .filter(e -> "SpecWarning".equals(e.getReason())))
        .singleElement()
        .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));
    assertThat(webSocket(appPodsOf("nohost").get(0), "https://chat.example.com"))
        .as("FleetLM's endpoint host is example.com: the browser is refused")
        .startsWith("HTTP/1.1 403");
  }

  /**
   * An image from after FleetLM's rename: no Fleetlm.Release. The operator says so within one
   * reconcile of the Job's end, the user follows the message, and a rollback with that image is
   * refused before any Job.
   */
  @Test
  @Order(12)
  void aFastpacaImageIsUnsupportedUntilItsOwnCommandIsSetAndItsRollbackIsRefused() {
    OwnDatabase own = onItsOwnDatabase("renamed", APP_1, 1);
    client.resource(own.release()).create();
    Releases.awaitPhase(client, apps, "renamed", "Ready", TIMEOUT);
    edit(
        "renamed",
        r -> {
          r.getSpec().setImage(APP_FASTPACA);
          r.getSpec().getMigration().setExpectedVersion(null);
        });

    FleetlmRelease unsupported = awaitStalled("renamed", "UnsupportedImage");
    Instant seen = Instant.now();
    Pod failedPod =
        migrationPods().stream()
            .filter(p -> APP_FASTPACA.equals(p.getSpec().getContainers().get(0).getImage()))
            .findFirst()
            .orElseThrow();
    Instant ended = Instant.parse(RealNode.terminated(failedPod).getFinishedAt());
    System.out.printf(
        "measured: UnsupportedImage in the status within %d ms of the container's end (1 s"
            + " resolution)%n",
        Duration.between(ended, seen).toMillis());
    assertThat(Releases.condition(unsupported, "Ready").orElseThrow().getMessage())
        .contains("has no Fleetlm.Release")
        .contains("Fastpaca.ReleaseTasks.migrate()")
        .contains("FASTPACA_ARCHIVER_ENABLED=true")
        .contains("(module Fleetlm.Release is not available)");

    edit(
        "renamed",
        r -> {
          r.getSpec().getMigration().setArgs(List.of("eval", "Fastpaca.ReleaseTasks.migrate()"));
          r.getSpec().getMigration().setExpectedVersion(V_FASTPACA);
          r.getSpec().setEnv(List.of(new EnvVar("FASTPACA_ARCHIVER_ENABLED", "true", null)));
        });
    Releases.awaitPhase(client, apps, "renamed", "Ready", TIMEOUT);
    assertThat(db.column(own.database(), "SELECT version FROM schema_migrations ORDER BY 1"))
        .containsExactly(V1, V2, V_FASTPACA);

    int jobs = Releases.migrationJobs(client, apps).list().getItems().size();
    edit(
        "renamed",
        r -> {
          r.getSpec().setImage(APP_1);
          r.getSpec().getMigration().setArgs(null);
          r.getSpec().getMigration().setExpectedVersion(V2);
          r.getSpec().getMigration().setRollbackTo(V2);
        });
    FleetlmRelease refused = awaitStalled("renamed", "UnsupportedImage");
    assertThat(Releases.condition(refused, "Ready").orElseThrow().getMessage())
        .contains(APP_FASTPACA + " has no Fleetlm.Release.rollback/2");
    assertThat(Releases.migrationJobs(client, apps).list().getItems()).hasSize(jobs);
    assertThat(refused.getStatus().getCurrentImage()).isEqualTo(APP_FASTPACA);
  }

  /**
   * Ready holds for the database the spec names now. The double records what each pod did in the
   * database its DATABASE_URL names, so the second database's own table shows whether any app pod
   * booted on it before its migrations were applied there. The operator here resyncs every 5 s.
   */
  @Test
  @Order(13)
  void aReleaseSwitchedToAnEmptyDatabaseMigratesItBeforeAnyPodBootsOnItAndSeesItsDrift() {
    OwnDatabase own = onItsOwnDatabase("moving", APP_1, 1);
    client.resource(own.release()).create();
    Releases.awaitPhase(client, apps, "moving", "Ready", TIMEOUT);
    String empty = db.createDatabase();
    Releases.createDatabaseSecretNamed(client, apps, "moving-db-2", db.ectoUrlForPods(empty));

    edit("moving", r -> r.getSpec().getDatabase().getUrlSecretRef().setName("moving-db-2"));
    FleetlmRelease moved = Releases.awaitPhase(client, apps, "moving", "Ready", TIMEOUT);

    assertThat(moved.getStatus().getDatabase()).endsWith("/" + empty);
    StandinEvents there = new StandinEvents(db, empty);
    List<StandinEvents.Event> booted = there.await("booted", 1);
    Instant migrated =
        there.of("migrated").stream()
            .map(StandinEvents.Event::at)
            .max(Instant::compareTo)
            .orElseThrow(() -> new AssertionError("nothing migrated in " + empty));
    assertThat(booted)
        .as("app pods that booted on the new database, each after its migrations")
        .allSatisfy(e -> assertThat(e.at()).isAfter(migrated));
    assertThat(db.column(empty, "SELECT version FROM schema_migrations ORDER BY 1"))
        .containsExactly(V1, V2);

    // A restore from a backup taken before V2.
    db.execute(empty, "DELETE FROM schema_migrations WHERE version = " + V2);
    FleetlmRelease behind = awaitStalled("moving", "SchemaBehind");
    assertThat(stalledMessage(behind)).contains(V2);
    assertThat(appPodsOf("moving")).as("the verified pod keeps serving").hasSize(1);
    client.resource(behind).delete();
  }

  @Test
  @Order(20)
  void upgradingTheOperatorMidMigrationAndUninstallingItLoseNothing() {
    upgradeTo(APP_SLOW, V_SLOW);
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
        .containsExactly(V1, V2, V3, V4, V_SLOW);
    // Not asserted yet (issue 33, slice 3): the roll is the surge roll FleetlmDoubleE2E shows
    // losing quorum under FleetLM's coordinator, and it does here too (16 of 16 groups measured).
    StandinEvents events = new StandinEvents(db, database);
    System.out.printf(
        "measured: release of 2 replicas, created at once, then rolled from app:1 to app:slow"
            + " with TCP readiness: %d bootstrap(s), %d quorum_lost event(s)%n",
        events.of("bootstrap").size(), events.of("quorum_lost").size());

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
        .allMatch(RealNode::ready)
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
    edit(
        "chat",
        r -> {
          r.getSpec().setImage(image);
          r.getSpec().getMigration().setExpectedVersion(expectedVersion);
        });
  }

  /** A release of its own on a database of its own, so that tests do not meet in the schema. */
  private record OwnDatabase(FleetlmRelease release, String database) {}

  private static OwnDatabase onItsOwnDatabase(String name, String image, int replicas) {
    String database = db.createDatabase();
    String secret = name + "-db";
    Releases.createDatabaseSecretNamed(client, apps, secret, db.ectoUrlForPods(database));
    FleetlmRelease release = node.place(Releases.release(apps, name, image, V2, replicas));
    release.getSpec().getDatabase().getUrlSecretRef().setName(secret);
    release.getSpec().getDatabase().getSecretKeyBaseSecretRef().setName(secret);
    return new OwnDatabase(release, database);
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

  private static List<Pod> appPodsOf(String release) {
    return Releases.appPods(client, apps).stream()
        .filter(p -> release.equals(p.getMetadata().getLabels().get(ResourceNames.LABEL_RELEASE)))
        .toList();
  }

  /** A browser's WebSocket upgrade to a pod, with its Origin: the status line of the answer. */
  private static String webSocket(Pod pod, String origin) throws IOException {
    try (Socket socket = new Socket(pod.getStatus().getPodIP(), 4000)) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET /socket/websocket HTTP/1.1\r\nHost: "
                      + pod.getStatus().getPodIP()
                      + "\r\nOrigin: "
                      + origin
                      + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      + "Sec-WebSocket-Version: 13\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
          .readLine();
    }
  }

  private static Map<String, String> kubeconfig() {
    return TestCluster.kubeconfigEnv();
  }
}
