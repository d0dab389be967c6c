package io.fleetlm.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.it.Releases;
import io.fleetlm.operator.it.TestCluster;
import io.fleetlm.operator.it.TestDatabase;
import io.fleetlm.operator.it.Tools;
import io.fleetlm.operator.kube.ClusterMemberFactory;
import io.fleetlm.operator.kube.ResourceNames;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator installed with {@code clusterRoll=nodes} (issue 33, not yet the default) starting
 * and rolling a FleetLM cluster of three on the real node: the double with FleetLM's coordinator,
 * which changes only the groups it hosts. FleetlmDoubleE2E shows the same double losing groups to a
 * surge roll and wedging a StatefulSet's pod 0; here the operator's nodes sort above every earlier
 * node and each step waits for FleetLM's own answers.
 */
class OperatorRollE2E {

  private static final String APP_1 = "localhost/fleetlm/app:1";
  private static final String APP_2 = "localhost/fleetlm/app:2";
  private static final String V2 = "20251001063431";
  private static final String V4 = "20251019063736";
  private static final int GROUPS = 32;
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
    node.installOperator("fleetlm-roll", operatorNamespace, apps, "clusterRoll=nodes");
  }

  @AfterAll
  static void uninstall() {
    if (operatorNamespace == null) {
      return;
    }
    Tools.run(
        TestCluster.kubeconfigEnv(), "helm", "uninstall", "fleetlm-roll", "-n", operatorNamespace);
    TestCluster.deleteNamespace(apps);
    TestCluster.deleteNamespace(operatorNamespace);
    db.close();
  }

  @Test
  void threeNodesStartOneAtATimeAndARollReplacesThemWithoutLosingAGroup() {
    String database = db.createDatabase();
    Releases.createDatabaseSecretNamed(client, apps, "trio-db", db.ectoUrlForPods(database));
    FleetlmRelease release = node.place(Releases.release(apps, "trio", APP_1, V2, 3));
    release.getSpec().getDatabase().getUrlSecretRef().setName("trio-db");
    release.getSpec().getDatabase().getSecretKeyBaseSecretRef().setName("trio-db");
    release
        .getSpec()
        .setEnv(
            List.of(
                new EnvVar("FLEETLM_STANDIN_GROUPS", "" + GROUPS, null),
                new EnvVar("FLEETLM_STANDIN_DEBOUNCE_MS", "1000", null),
                new EnvVar("FLEETLM_STANDIN_REBALANCE_MS", "500", null)));
    Instant created = Instant.now();
    client.resource(release).create();

    explainingFailure(() -> Releases.awaitPhase(client, apps, "trio", "Ready", RealNode.TIMEOUT));
    Duration firstStart = Duration.between(created, Instant.now());
    StandinEvents events = new StandinEvents(db, database);
    assertThat(events.of("bootstrap")).as("one Raft cluster founded").hasSize(1);
    assertThat(serials()).containsExactly(1, 2, 3);
    assertEveryGroupHoldsExactlyTheRunningNodes();

    Instant rolled = Instant.now();
    Releases.edit(
        client,
        apps,
        "trio",
        r -> {
          r.getSpec().setImage(APP_2);
          r.getSpec().getMigration().setExpectedVersion(V4);
        });
    explainingFailure(
        () ->
            await()
                .atMost(RealNode.TIMEOUT.multipliedBy(2))
                .pollInterval(Duration.ofSeconds(1))
                .until(
                    () -> Releases.get(client, apps, "trio"),
                    r ->
                        APP_2.equals(r.getStatus().getCurrentImage())
                            && Releases.condition(r, "Ready")
                                .map(c -> "True".equals(c.getStatus()))
                                .orElse(false)
                            && Objects.equals(
                                r.getStatus().getObservedGeneration(),
                                r.getMetadata().getGeneration())));
    System.out.printf(
        "measured: clusterRoll=nodes, 3 replicas: first start to Ready %d s, roll app:1 to app:2"
            + " to Ready %d s%n",
        firstStart.toSeconds(), Duration.between(rolled, Instant.now()).toSeconds());

    assertThat(serials()).as("each node replaced by one named above it").containsExactly(4, 5, 6);
    assertThat(events.of("quorum_lost")).as("no group lost its majority").isEmpty();
    assertThat(events.of("found_attempt")).as("no newcomer sorted lowest").isEmpty();
    assertThat(events.of("bootstrap")).as("no second cluster").hasSize(1);
    assertEveryGroupHoldsExactlyTheRunningNodes();
  }

  /** A wait that fails says where the release, its pods and the operator were. */
  private static void explainingFailure(Runnable wait) {
    try {
      wait.run();
    } catch (ConditionTimeoutException e) {
      FleetlmRelease release = Releases.get(client, apps, "trio");
      StringBuilder said =
          new StringBuilder("release trio: phase " + release.getStatus().getPhase());
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
      }
      for (Pod operator : client.pods().inNamespace(operatorNamespace).list().getItems()) {
        String log =
            client
                .pods()
                .inNamespace(operatorNamespace)
                .withName(operator.getMetadata().getName())
                .tailingLines(60)
                .getLog();
        said.append("\noperator ")
            .append(operator.getMetadata().getName())
            .append(":\n")
            .append(log);
      }
      throw new AssertionError(said.toString(), e);
    }
  }

  /** The serials of the release's node pods that are not stopping (appPods), in order. */
  private static List<Integer> serials() {
    return nodePods().stream()
        .map(p -> ClusterMemberFactory.serialOf(p).orElseThrow())
        .sorted()
        .toList();
  }

  private static List<Pod> nodePods() {
    return Releases.appPods(client, apps).stream()
        .filter(p -> "trio".equals(p.getMetadata().getLabels().get(ResourceNames.LABEL_RELEASE)))
        .toList();
  }

  /** As each running node answers: every group lists exactly the three running nodes. */
  private static void assertEveryGroupHoldsExactlyTheRunningNodes() {
    List<Pod> pods = nodePods();
    List<String> running =
        pods.stream()
            .map(
                p ->
                    String.format("fleetlm-%05d", ClusterMemberFactory.serialOf(p).orElseThrow())
                        + "@"
                        + p.getStatus().getPodIP())
            .sorted()
            .toList();
    for (Pod pod : pods) {
      Map<Integer, String> view =
          RaftViews.groupsAsSeenBy(apps, pod.getMetadata().getName(), GROUPS);
      assertThat(view.values())
          .as("every group, as %s answers", pod.getMetadata().getName())
          .allSatisfy(answer -> assertThat(RaftViews.membersOf(answer)).isEqualTo(running));
    }
  }
}
