package io.fleetlm.operator.e2e;

import static io.fleetlm.operator.e2e.DoubleReleases.APP_2;
import static io.fleetlm.operator.e2e.DoubleReleases.GROUPS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.it.Releases;
import io.fleetlm.operator.it.StatusReaders;
import io.fleetlm.operator.it.TestCluster;
import io.fleetlm.operator.it.TestDatabase;
import io.fleetlm.operator.it.Tools;
import io.fleetlm.operator.kube.ClusterMemberFactory;
import io.fleetlm.operator.kube.ResourceNames;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator installed with its chart's defaults (clusterRoll nodes, and the grants it needs)
 * starting and rolling a FleetLM cluster of three on the real node: the double with FleetLM's
 * coordinator, which changes only the groups it hosts. FleetlmDoubleE2E shows the same double
 * losing groups to a surge roll and wedging a StatefulSet's pod 0; here the operator's nodes sort
 * above every earlier node and each step waits for FleetLM's own answers.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorRollE2E {

  private static final String OPERATOR = "fleetlm-roll";

  /** Short, so that a stuck roll says so within the test; a healthy step takes about 20 s. */
  private static final Duration STEP_DEADLINE = Duration.ofSeconds(60);

  private static final KubernetesClient client = TestCluster.client();

  private static RealNode node;
  private static String operatorNamespace;
  private static String apps;
  private static TestDatabase db;

  @BeforeAll
  static void installTheOperatorStartingNodesItself() {
    node = RealNode.require(client);
    Releases.installCrd(client);
    db = TestDatabase.forPods(node.gateway);
    Map<String, String> restricted = Map.of("pod-security.kubernetes.io/enforce", "restricted");
    operatorNamespace = TestCluster.createNamespace("roll-system", restricted);
    apps = TestCluster.createNamespace("roll", restricted);
    node.installOperator(
        OPERATOR,
        operatorNamespace,
        apps,
        "clusterStepDeadline=" + STEP_DEADLINE.toSeconds() + "s");
  }

  @AfterAll
  static void uninstall() {
    if (operatorNamespace == null) {
      return;
    }
    Tools.run(TestCluster.kubeconfigEnv(), "helm", "uninstall", OPERATOR, "-n", operatorNamespace);
    TestCluster.deleteNamespace(apps);
    TestCluster.deleteNamespace(operatorNamespace);
    db.close();
  }

  /**
   * Three nodes start one at a time; a roll replaces them in place, the operator's leader pod
   * deleted while a replacement joins: the next leader takes the same step, never two nodes out.
   */
  /**
   * A cluster that a Deployment runs (made with clusterRoll deployment, as every cluster was before
   * the node roll was the default) keeps running on it when the operator changes to the node roll,
   * and moves off it at its next release: one of the Deployment's nodes out, one node named above
   * DNSPoll's names in, no group losing its majority, none founded twice (that the operator's
   * change alone rolls nothing is UpgradeCompatibilityIT's). First, so that the operator runs with
   * clusterRoll deployment only while no other release is there.
   */
  @Test
  @Order(1)
  void aClusterItsDeploymentRanMovesToTheNodeRollAtItsNextRelease() {
    String database = db.createDatabase();
    StandinEvents events = new StandinEvents(db, database);
    try {
      setClusterRoll("deployment");
      createRelease("trek", database, 3);
      explainingFailure(
          "trek", () -> Releases.awaitPhase(client, apps, "trek", "Ready", RealNode.TIMEOUT));
      awaitFor("trek", () -> everyGroupHoldsExactlyTheRunningNodes("trek"));
    } finally {
      setClusterRoll("nodes");
    }
    assertThat(events.of("bootstrap")).as("one Raft cluster founded").hasSize(1);
    assertThat(Releases.get(client, apps, "trek").getStatus().getPhase().name()).isEqualTo("Ready");

    Instant moved = Instant.now();
    try (FewestServing serving = new FewestServing("trek")) {
      upgrade("trek");
      awaitRolledTo("trek");
      assertThat(serving.fewest())
          .as("app pods Ready and not stopping, at their fewest during the move")
          .isEqualTo(2);
    }
    assertThat(client.apps().deployments().inNamespace(apps).withName("trek").get())
        .as("the emptied Deployment, deleted")
        .isNull();
    System.out.printf(
        "measured: a cluster of 3 moved off its Deployment, app:1 to app:2, to Ready %d s%n",
        Duration.between(moved, Instant.now()).toSeconds());
    assertThat(serials("trek")).containsExactly(1, 2, 3);
    assertThat(events.of("quorum_lost")).as("no group lost its majority").isEmpty();
    assertThat(events.of("found_attempt")).as("no newcomer sorted lowest").isEmpty();
    assertThat(events.of("bootstrap")).as("no second cluster").hasSize(1);
    assertEveryGroupHoldsExactlyTheRunningNodes("trek");
    client.resource(Releases.get(client, apps, "trek")).delete();
    // The next test starts on a quiet machine: three FleetLM nodes stopping at once beside its
    // migration Job once made the Job's database connection time out (two cores).
    awaitNoPodsOf("trek");
  }

  private static void awaitNoPodsOf(String release) {
    await()
        .atMost(RealNode.TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                client.pods().inNamespace(apps).list().getItems().stream()
                    .noneMatch(p -> p.getMetadata().getName().startsWith(release + "-")));
  }

  @Test
  @Order(2)
  void threeNodesStartOneAtATimeAndARollReplacesThemWithoutLosingAGroup() {
    String database = db.createDatabase();
    Instant created = Instant.now();
    createRelease("trio", database, 3);

    explainingFailure(
        "trio", () -> Releases.awaitPhase(client, apps, "trio", "Ready", RealNode.TIMEOUT));
    Duration firstStart = Duration.between(created, Instant.now());
    StandinEvents events = new StandinEvents(db, database);
    assertThat(events.of("bootstrap")).as("one Raft cluster founded").hasSize(1);
    assertThat(serials("trio")).containsExactly(1, 2, 3);
    assertEveryGroupHoldsExactlyTheRunningNodes("trio");
    assertThat(StatusReaders.kstatus(client, apps, "trio")).startsWith("Current");

    Instant rolled;
    try (FewestServing serving = new FewestServing("trio")) {
      rolled = Instant.now();
      upgrade("trio");
      awaitFor("trio", () -> serials("trio").contains(4));
      assertThat(StatusReaders.kstatus(client, apps, "trio")).startsWith("InProgress");
      assertThat(StatusReaders.kubectlWaitReady(apps, "trio"))
          .as("kubectl wait returns only when the roll is done")
          .isFalse();
      assertThat(client.pods().inNamespace(operatorNamespace).delete())
          .as("the operator's leader pod, deleted mid-roll")
          .hasSize(1);
      awaitRolledTo("trio");
      assertThat(serving.fewest())
          .as("node pods Ready and not stopping, at their fewest during the roll")
          .isEqualTo(2);
    }
    System.out.printf(
        "measured: clusterRoll nodes, 3 replicas: first start to Ready %d s, roll app:1 to app:2"
            + " to Ready %d s%n",
        firstStart.toSeconds(), Duration.between(rolled, Instant.now()).toSeconds());

    assertThat(serials("trio"))
        .as("each node replaced by one named above it, none started twice")
        .containsExactly(4, 5, 6);
    assertThat(events.of("quorum_lost")).as("no group lost its majority").isEmpty();
    assertThat(events.of("found_attempt")).as("no newcomer sorted lowest").isEmpty();
    assertThat(events.of("bootstrap")).as("no second cluster").hasSize(1);
    assertEveryGroupHoldsExactlyTheRunningNodes("trio");
    assertThat(StatusReaders.kstatus(client, apps, "trio")).startsWith("Current");
    assertThat(StatusReaders.argo(client, apps, "trio").status()).isEqualTo("Healthy");
    assertThat(StatusReaders.kubectlWaitReady(apps, "trio")).isTrue();

    // Node 4, now the lowest of every replica set, ends. Restarted under its name it would call
    // :ra.start_cluster for every group (the StatefulSet's pod 0 in FleetlmDoubleE2E); its pod is
    // never restarted, and a node named above every other replaces it.
    Instant crashed = Instant.now();
    RealNode.rpc(apps, "trio-00004", "System.halt(1)");
    awaitFor(
        "trio",
        () ->
            serials("trio").equals(List.of(5, 6, 7))
                && readyAtItsGeneration(Releases.get(client, apps, "trio")));
    System.out.printf(
        "measured: clusterRoll nodes, a node that ended replaced, to Ready %d s%n",
        Duration.between(crashed, Instant.now()).toSeconds());
    assertThat(events.of("found_attempt")).as("no node came back under its name").isEmpty();
    assertThat(events.of("quorum_lost")).isEmpty();
    assertThat(events.of("bootstrap")).hasSize(1);
    assertEveryGroupHoldsExactlyTheRunningNodes("trio");
  }

  /**
   * Above 3 replicas FleetLM's coordinator cannot change every group (issue 33): growing to four
   * works (at three the coordinator hosts every group), but once the first node leaves in a roll,
   * the next coordinator skips the groups it does not host, which keep the departed node. The
   * operator says so at apply, waits instead of starting a node beside a stuck group, and past the
   * step deadline stops with a reason naming the group; no group loses its majority.
   */
  @Test
  @Order(3)
  void aRollAtFourNodesStopsWithAReasonNamingTheGroupTheCoordinatorLeftBehind() {
    String database = db.createDatabase();
    createRelease("quad", database, 3);
    explainingFailure(
        "quad", () -> Releases.awaitPhase(client, apps, "quad", "Ready", RealNode.TIMEOUT));

    Releases.edit(client, apps, "quad", r -> r.getSpec().setReplicas(4));
    awaitFor("quad", () -> readyAtItsGeneration(Releases.get(client, apps, "quad")));
    assertThat(Releases.get(client, apps, "quad").getStatus().getWarnings())
        .anySatisfy(w -> assertThat(w).contains("with more than 3 replicas a roll or scale-down"));
    assertThat(serials("quad")).containsExactly(1, 2, 3, 4);

    upgrade("quad");
    explainingFailure(
        "quad",
        () ->
            await()
                .atMost(RealNode.TIMEOUT.plus(STEP_DEADLINE))
                .pollInterval(Duration.ofSeconds(1))
                .until(
                    () -> Releases.get(client, apps, "quad"),
                    r ->
                        Releases.condition(r, "Stalled")
                            .map(c -> "True".equals(c.getStatus()))
                            .orElse(false)));
    FleetlmRelease stalled = Releases.get(client, apps, "quad");
    System.out.printf(
        "measured: clusterRoll nodes, 4 replicas, the roll stopped: %s%n",
        Releases.condition(stalled, "Ready").orElseThrow().getMessage());
    assertThat(Releases.condition(stalled, "Stalled").orElseThrow().getReason())
        .isEqualTo("ClusterNotConverging");
    // Where the roll stops depends on where rendezvous hashing put the groups, over node names
    // that hold pod IPs: either a group the coordinator does not host keeps node 1, or every
    // group let node 1 go and node 5 is never added to a group the coordinator does not host.
    String message = Releases.condition(stalled, "Ready").orElseThrow().getMessage();
    if (message.contains("still lists")) {
      assertThat(message)
          .containsPattern(
              "Raft group [0-9]+ \\(as fleetlm_0000[234]@[0-9.]+ answers\\) still lists"
                  + " fleetlm_00001@");
      assertThat(serials("quad"))
          .as("node 1 left; no node started beside a group that still lists it")
          .containsExactly(2, 3, 4);
    } else {
      assertThat(message)
          .containsPattern(
              "node fleetlm_00005@[0-9.]+ \\(pod quad-00005\\) to join its Raft groups: FleetLM"
                  + " places Raft groups? [0-9, ]+ on it, and it is not a member of");
      assertThat(serials("quad"))
          .as("node 1 left, node 5 came and never joined; nothing started beside it")
          .containsExactly(2, 3, 4, 5);
    }
    StandinEvents events = new StandinEvents(db, database);
    assertThat(events.of("quorum_lost")).as("no group lost its majority").isEmpty();
    assertThat(events.of("bootstrap")).as("one Raft cluster").hasSize(1);
    assertThat(StatusReaders.kstatus(client, apps, "quad")).startsWith("Failed");
    assertThat(StatusReaders.argo(client, apps, "quad").status()).isEqualTo("Degraded");
    assertThat(StatusReaders.kubectlWaitReady(apps, "quad")).isFalse();
  }

  /**
   * The operator, changed as `helm upgrade` changes it: its pod replaced, the Lease handed over.
   */
  private static void setClusterRoll(String roll) {
    Tools.Result upgrade =
        Tools.run(
            TestCluster.kubeconfigEnv(),
            "helm",
            "upgrade",
            OPERATOR,
            "helm/fleetlm-operator",
            "-n",
            operatorNamespace,
            "--reuse-values",
            "--set",
            "clusterRoll=" + roll,
            "--wait",
            "--timeout",
            "3m");
    assertThat(upgrade.exitCode()).as(upgrade.output()).isZero();
    // helm returns once the new pod is Ready; the old one may still lead until it has stopped, and
    // what the test does next must meet the operator with the setting it just made.
    await()
        .atMost(RealNode.TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> client.pods().inNamespace(operatorNamespace).list().getItems(),
            pods ->
                pods.size() == 1
                    && pods.get(0).getMetadata().getDeletionTimestamp() == null
                    && RealNode.ready(pods.get(0)));
  }

  private static void createRelease(String name, String database, int replicas) {
    DoubleReleases.create(client, node, db, apps, name, database, replicas);
  }

  private static void upgrade(String name) {
    DoubleReleases.upgrade(client, apps, name);
  }

  private static void awaitRolledTo(String name) {
    explainingFailure(
        name,
        () ->
            DoubleReleases.awaitReady(client, apps, name, APP_2, RealNode.TIMEOUT.multipliedBy(2)));
  }

  private static boolean readyAtItsGeneration(FleetlmRelease r) {
    return DoubleReleases.readyAtItsGeneration(r);
  }

  /**
   * The fewest node pods of a release that were Ready and not stopping at any moment it watched: a
   * roll that takes two nodes out at once shows 1.
   */
  private static final class FewestServing implements AutoCloseable {

    private final AtomicInteger fewest = new AtomicInteger(Integer.MAX_VALUE);
    private final SharedIndexInformer<Pod> informer;

    FewestServing(String release) {
      informer =
          client
              .pods()
              .inNamespace(apps)
              .withLabel(ResourceNames.LABEL_RELEASE, release)
              .withLabel(ResourceNames.LABEL_COMPONENT, ResourceNames.COMPONENT_APP)
              .runnableInformer(0);
      informer.addEventHandler(
          new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
              count();
            }

            @Override
            public void onUpdate(Pod before, Pod after) {
              count();
            }

            @Override
            public void onDelete(Pod pod, boolean unknownFinalState) {
              count();
            }
          });
      informer.run();
      count();
    }

    private void count() {
      int serving =
          (int)
              informer.getStore().list().stream()
                  .filter(p -> p.getMetadata().getDeletionTimestamp() == null && RealNode.ready(p))
                  .count();
      fewest.accumulateAndGet(serving, Math::min);
    }

    int fewest() {
      return fewest.get();
    }

    @Override
    public void close() {
      informer.close();
    }
  }

  /** Waits, polling every second, until the condition holds, explaining a failure. */
  private static void awaitFor(String name, java.util.concurrent.Callable<Boolean> condition) {
    explainingFailure(
        name,
        () ->
            await().atMost(RealNode.TIMEOUT).pollInterval(Duration.ofSeconds(1)).until(condition));
  }

  /** A wait that fails says where the release, its pods and the operator were. */
  private static void explainingFailure(String name, Runnable wait) {
    try {
      wait.run();
    } catch (ConditionTimeoutException e) {
      FleetlmRelease release = Releases.get(client, apps, name);
      StringBuilder said =
          new StringBuilder("release " + name + ": phase " + release.getStatus().getPhase());
      release
          .getStatus()
          .getConditions()
          .forEach(
              c ->
                  said.append("\n  ")
                      .append(c.getType())
                      .append("=")
                      .append(c.getStatus())
                      .append(" ")
                      .append(c.getReason())
                      .append(": ")
                      .append(c.getMessage()));
      for (Pod pod : client.pods().inNamespace(apps).list().getItems()) {
        said.append("\npod ")
            .append(pod.getMetadata().getName())
            .append(" ")
            .append(pod.getStatus().getPhase())
            .append(" ")
            .append(pod.getStatus().getPodIP())
            .append(" ready=")
            .append(RealNode.ready(pod));
        if (pod.getStatus().getContainerStatuses() != null) {
          pod.getStatus()
              .getContainerStatuses()
              .forEach(c -> said.append(" ").append(c.getName()).append(":").append(c.getState()));
        }
      }
      client.v1().events().inNamespace(apps).list().getItems().stream()
          .sorted(Comparator.comparing(ev -> String.valueOf(ev.getLastTimestamp())))
          .forEach(
              ev ->
                  said.append("\nevent ")
                      .append(ev.getLastTimestamp())
                      .append(" ")
                      .append(ev.getInvolvedObject().getName())
                      .append(" ")
                      .append(ev.getReason())
                      .append(": ")
                      .append(ev.getMessage()));
      for (Pod operator : client.pods().inNamespace(operatorNamespace).list().getItems()) {
        String log =
            client
                .pods()
                .inNamespace(operatorNamespace)
                .withName(operator.getMetadata().getName())
                .tailingLines(2000)
                .getLog();
        // Its own lines only: the client's stack traces would push them out.
        List<String> lines =
            log.lines().filter(line -> line.contains("[io.fleetlm.operator")).toList();
        said.append("\noperator ")
            .append(operator.getMetadata().getName())
            .append(":\n")
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size())));
      }
      throw new AssertionError(said.toString(), e);
    }
  }

  /** The serials of the release's node pods that are not stopping (appPods), in order. */
  private static List<Integer> serials(String name) {
    return nodePods(name).stream()
        .map(p -> ClusterMemberFactory.serialOf(p).orElseThrow())
        .sorted()
        .toList();
  }

  private static List<Pod> nodePods(String name) {
    return Releases.appPods(client, apps).stream()
        .filter(p -> name.equals(p.getMetadata().getLabels().get(ResourceNames.LABEL_RELEASE)))
        .toList();
  }

  /** As each running node answers: every group lists exactly the running nodes. */
  private static void assertEveryGroupHoldsExactlyTheRunningNodes(String name) {
    List<Pod> pods = nodePods(name);
    List<String> running = pods.stream().map(OperatorRollE2E::nodeName).sorted().toList();
    for (Pod pod : pods) {
      Map<Integer, String> view =
          RaftViews.groupsAsSeenBy(apps, pod.getMetadata().getName(), GROUPS);
      assertThat(view.values())
          .as("every group, as %s answers", pod.getMetadata().getName())
          .allSatisfy(answer -> assertThat(RaftViews.membersOf(answer)).isEqualTo(running));
    }
  }

  private static boolean everyGroupHoldsExactlyTheRunningNodes(String name) {
    try {
      assertEveryGroupHoldsExactlyTheRunningNodes(name);
      return true;
    } catch (AssertionError notYet) {
      return false;
    }
  }

  /** A node's name: the operator's own nodes by serial, a Deployment's by DNSPoll's form. */
  private static String nodeName(Pod pod) {
    return ClusterMemberFactory.serialOf(pod)
            .map(serial -> String.format("fleetlm_%05d", serial))
            .orElse("fleetlm")
        + "@"
        + pod.getStatus().getPodIP();
  }
}
