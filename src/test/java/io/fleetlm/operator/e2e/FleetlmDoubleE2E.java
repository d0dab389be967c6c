package io.fleetlm.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fleetlm.operator.e2e.StandinEvents.Event;
import io.fleetlm.operator.it.TestCluster;
import io.fleetlm.operator.it.TestDatabase;
import io.fleetlm.operator.it.Tools;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The FleetLM test double failing on its own, in plain pods on the real node with no operator: the
 * ways FleetLM itself breaks (split brain, lost quorum, a bad expression, a missing variable, a
 * working directory it cannot write). RealNodeE2E shows the operator keeping clear of the last
 * three (its expressions, its variables, a working-directory volume); first starts and rolling
 * updates that keep Raft's quorum are still to come.
 */
class FleetlmDoubleE2E {

  private static final String IMAGE = "localhost/fleetlm/app:2";
  private static final KubernetesClient client = TestCluster.client();

  private static RealNode node;
  private static TestDatabase db;
  private static String namespace;

  @BeforeAll
  static void onTheRealNode() {
    node = RealNode.require(client);
    db = TestDatabase.forPods(node.gateway);
    namespace =
        TestCluster.createNamespace(
            "double", Map.of("pod-security.kubernetes.io/enforce", "restricted"));
  }

  @AfterAll
  static void cleanUp() {
    if (namespace != null) {
      TestCluster.deleteNamespace(namespace);
      db.close();
    }
  }

  @Test
  void twoNodesThatCannotFindEachOtherBootstrapTwoClusters() {
    String database = db.createDatabase();
    for (String name : List.of("alone-a", "alone-b")) {
      create(pod(name, database, List.of("start"), c -> c));
    }

    List<Event> bootstraps = new StandinEvents(db, database).await("bootstrap", 2);

    assertThat(bootstraps)
        .as("each node founded a cluster of its own: FleetLM's split brain")
        .hasSize(2)
        .allSatisfy(e -> assertThat(e.detail()).isEqualTo("founding members: " + e.node()));
    assertThat(bootstraps).extracting(Event::pod).containsExactlyInAnyOrder("alone-a", "alone-b");
  }

  @Test
  void aFormedClusterOfThreeThatLosesTwoPodsAtOnceLosesQuorum() {
    String database = db.createDatabase();
    client
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName("trio")
                .withNamespace(namespace)
                .endMetadata()
                .withNewSpec()
                .withClusterIP("None")
                .withPublishNotReadyAddresses(true)
                .withSelector(Map.of("trio", "member"))
                .addNewPort()
                .withName("epmd")
                .withPort(4369)
                .endPort()
                .endSpec()
                .build())
        .create();
    Instant created = Instant.now();
    List<String> trio = List.of("trio-a", "trio-b", "trio-c");
    for (String name : trio) {
      // No coordinator pass may shrink a group between the two deletions below.
      Pod pod =
          pod(
              name,
              database,
              List.of("start"),
              c ->
                  c.addAllToEnv(clustered())
                      .addToEnv(new EnvVar("FLEETLM_STANDIN_DEBOUNCE_MS", "600000", null)));
      pod.getMetadata().setLabels(Map.of("trio", "member"));
      create(pod);
    }
    StandinEvents events = new StandinEvents(db, database);
    List<Event> ready = events.await("ready", 3);
    System.out.printf(
        "measured: three pods created to three Raft-ready nodes in %d ms; container start to"
            + " node booted: %s%n",
        Duration.between(created, Instant.now()).toMillis(), bootTimes(events));
    assertThat(events.of("bootstrap"))
        .as("CLUSTER_NODES names three, so the nodes wait for each other and one founds")
        .singleElement()
        .satisfies(e -> assertThat(e.detail().split(", ")).hasSize(3));
    String survivor = ready.get(0).pod();

    client
        .resourceList(
            trio.stream()
                .filter(p -> !p.equals(survivor))
                .map(p -> client.pods().inNamespace(namespace).withName(p).get())
                .toList())
        .withGracePeriod(0)
        .delete();

    List<Event> lost = events.await("quorum_lost", 1);
    assertThat(lost).allSatisfy(e -> assertThat(e.detail()).contains("1/3 members live"));
    Tools.Result members =
        RealNode.rpc(namespace, survivor, "IO.inspect(:ra.members({:raft_group_0, node()}))");
    assertThat(members.output())
        .as("no leader can be elected: ra times out, and no membership change can commit")
        .contains("{:timeout, {:raft_group_0,");
  }

  @Test
  void evaluatingTheSeedsBareMigrationsCallFailsAndLeavesNoTerminationMessage() {
    String database = db.createDatabase();
    create(
        pod(
            "bare-migrations",
            database,
            List.of("eval", "Ecto.Migrator.migrations(Fleetlm.Repo)"),
            c -> c));

    ContainerStateTerminated end =
        RealNode.terminated(RealNode.awaitEnded(client, namespace, "bare-migrations"));

    assertThat(end.getExitCode()).isNotZero();
    assertThat(end.getMessage()).as("FleetLM writes no termination message").isNullOrEmpty();
    assertThat(log("bare-migrations"))
        .contains("could not lookup Ecto repo Fleetlm.Repo because it was not started");
  }

  @Test
  void evaluatingWithoutSecretKeyBaseFailsNamingIt() {
    String database = db.createDatabase();
    Pod pod = pod("no-key-base", database, List.of("eval", "Fleetlm.Release.migrate"), c -> c);
    pod.getSpec()
        .getContainers()
        .get(0)
        .getEnv()
        .removeIf(e -> e.getName().equals("SECRET_KEY_BASE"));
    create(pod);

    ContainerStateTerminated end =
        RealNode.terminated(RealNode.awaitEnded(client, namespace, "no-key-base"));

    assertThat(end.getExitCode()).isNotZero();
    assertThat(log("no-key-base"))
        .contains("ERROR! Config provider Config.Reader failed with:")
        .contains("environment variable SECRET_KEY_BASE is missing");
    assertThat(new StandinEvents(db, database).of("migrated")).isEmpty();
  }

  @Test
  void aNodeThatCannotWriteItsWorkingDirectoryDoesNotBoot() {
    String database = db.createDatabase();
    // FleetLM's own WORKDIR, /app: read-only here, and another uid's there.
    create(
        pod(
            "read-only-root",
            database,
            List.of("start"),
            c -> c.withWorkingDir(null).withVolumeMounts(List.of())));
    Pod otherUser =
        pod(
            "other-uid",
            database,
            List.of("start"),
            c ->
                c.withWorkingDir(null)
                    .withVolumeMounts(List.of())
                    .editSecurityContext()
                    .withReadOnlyRootFilesystem(false)
                    .endSecurityContext());
    otherUser.getSpec().getSecurityContext().setRunAsUser(1001L);
    create(otherUser);

    for (String name : List.of("read-only-root", "other-uid")) {
      ContainerStateTerminated end =
          RealNode.terminated(RealNode.awaitEnded(client, namespace, name));
      assertThat(end.getExitCode()).as(name).isNotZero();
    }
    assertThat(log("read-only-root"))
        .contains("could not make directory (with -p) \"/app/fleetlm@")
        .contains("read-only file system")
        .contains("Kernel pid terminated (application_controller)");
    assertThat(log("other-uid")).contains("permission denied");
    assertThat(new StandinEvents(db, database).of("booted")).as("neither booted").isEmpty();
  }

  /**
   * A pod of the double, as a person would write one for it: restricted, uid 1000, the working
   * directory on an emptyDir, its Erlang node named after its IP, its own database.
   */
  private Pod pod(
      String name, String database, List<String> args, UnaryOperator<ContainerBuilder> change) {
    ContainerBuilder container =
        new ContainerBuilder()
            .withName("app")
            .withImage(IMAGE)
            .withImagePullPolicy("Never")
            .withArgs(args)
            .withWorkingDir("/data")
            .addNewVolumeMount()
            .withName("data")
            .withMountPath("/data")
            .endVolumeMount()
            .withEnv(
                new EnvVarBuilder()
                    .withName("POD_IP")
                    .withNewValueFrom()
                    .withNewFieldRef()
                    .withFieldPath("status.podIP")
                    .endFieldRef()
                    .endValueFrom()
                    .build(),
                new EnvVar("DATABASE_URL", db.ectoUrlForPods(database), null),
                new EnvVar("SECRET_KEY_BASE", "a-key-base", null),
                new EnvVar("MIGRATE_ON_BOOT", "false", null),
                new EnvVar("RELEASE_DISTRIBUTION", "name", null),
                new EnvVar("RELEASE_NODE", "fleetlm@$(POD_IP)", null),
                new EnvVar("RELEASE_COOKIE", "one-cookie-for-the-test", null))
            .withSecurityContext(RealNode.restrictedContainer());
    Pod pod = node.restrictedPod(namespace, name, change.apply(container).build());
    pod.getSpec()
        .getVolumes()
        .add(new VolumeBuilder().withName("data").withNewEmptyDir().endEmptyDir().build());
    return pod;
  }

  /** Peers from the headless Service, three expected: how FleetLM's docs form a cluster. */
  private List<EnvVar> clustered() {
    return List.of(
        new EnvVar("DNS_CLUSTER_QUERY", "trio." + namespace + ".svc.cluster.local", null),
        new EnvVar("DNS_POLL_INTERVAL_MS", "1000", null),
        new EnvVar("CLUSTER_NODES", "trio-a,trio-b,trio-c", null));
  }

  private void create(Pod pod) {
    client.resource(pod).create();
  }

  private String log(String pod) {
    return await()
        .atMost(RealNode.TIMEOUT)
        .until(
            () -> client.pods().inNamespace(namespace).withName(pod).getLog(),
            l -> l != null && !l.isBlank());
  }

  /** From each trio pod's container start to its node's "booted" event, in ms. */
  private List<Long> bootTimes(StandinEvents events) {
    List<Long> times = new ArrayList<>();
    for (Event booted : events.of("booted")) {
      Pod pod = client.pods().inNamespace(namespace).withName(booted.pod()).get();
      Instant started =
          Instant.parse(
              pod.getStatus().getContainerStatuses().get(0).getState().getRunning().getStartedAt());
      times.add(Duration.between(started, booted.at()).toMillis());
    }
    return times;
  }
}
