package io.fleetlm.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fleetlm.operator.api.ClusterSpec;
import io.fleetlm.operator.api.FleetlmRelease;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ClusterWiringTest {

  private final FleetlmRelease release = ReleaseFixture.release("chat", "fleetlm:1");

  @Test
  void everyPodIsNamedAfterItsIpAndLooksForPeersInTheHeadlessService() {
    Map<String, EnvVar> env = byName(ClusterWiring.environment(release));

    assertThat(env.get("POD_IP").getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("status.podIP");
    assertThat(env.get("DNS_CLUSTER_QUERY").getValue())
        .isEqualTo("chat-headless.apps.svc.cluster.local");
    assertThat(env.get("DNS_CLUSTER_NODE_BASENAME").getValue()).isEqualTo("fleetlm");
    assertThat(env.get("RELEASE_DISTRIBUTION").getValue()).isEqualTo("name");
    assertThat(env.get("RELEASE_NODE").getValue()).isEqualTo("fleetlm@$(POD_IP)");
    assertThat(env.get("RELEASE_COOKIE").getValueFrom().getSecretKeyRef().getName())
        .isEqualTo("chat-cookie");
    assertThat(ClusterWiring.environment(release).get(0).getName())
        .as("defined before RELEASE_NODE refers to it")
        .isEqualTo("POD_IP");
  }

  @Test
  void whatTheUserSetWinsAndWhatCannotFormAClusterIsSaid() {
    release
        .getSpec()
        .setEnv(
            List.of(
                new EnvVar("RELEASE_DISTRIBUTION", "sname", null),
                new EnvVar("DNS_CLUSTER_QUERY", "elsewhere.svc", null)));

    Map<String, EnvVar> env = byName(ClusterWiring.environment(release));

    assertThat(env).doesNotContainKeys("RELEASE_DISTRIBUTION", "DNS_CLUSTER_QUERY");
    assertThat(env).containsKeys("RELEASE_NODE", "RELEASE_COOKIE");
    assertThat(ClusterWiring.warnings(release))
        .hasSize(2)
        .anySatisfy(w -> assertThat(w).contains("RELEASE_DISTRIBUTION=sname"))
        .anySatisfy(w -> assertThat(w).contains("elsewhere.svc"));
  }

  @Test
  void moreThanThreeReplicasAreWarnedOfWhatFleetLMsCoordinatorCannotDo() {
    release.getSpec().setReplicas(3);
    assertThat(ClusterWiring.warnings(release)).isEmpty();

    release.getSpec().setReplicas(4);

    assertThat(ClusterWiring.warnings(release))
        .singleElement()
        .satisfies(
            w ->
                assertThat(w)
                    .startsWith(
                        "spec.replicas is 4: FleetLM-era images cannot rebalance groups their"
                            + " coordinator does not host; with more than 3 replicas a roll or"
                            + " scale-down can stall."));
  }

  @Test
  void oneReplicaOrSwitchedOffMeansNoWiringAndExplicitlyOnWinsOverOneReplica() {
    release.getSpec().setReplicas(1);
    assertThat(ClusterWiring.environment(release)).isEmpty();

    ClusterSpec on = new ClusterSpec();
    on.setEnabled(true);
    on.setNodeBasename("chat");
    on.setClusterDomain("example.internal");
    release.getSpec().setCluster(on);
    Map<String, EnvVar> env = byName(ClusterWiring.environment(release));
    assertThat(env.get("RELEASE_NODE").getValue()).isEqualTo("chat@$(POD_IP)");
    assertThat(env.get("DNS_CLUSTER_QUERY").getValue())
        .isEqualTo("chat-headless.apps.svc.example.internal");

    release.getSpec().setReplicas(3);
    on.setEnabled(false);
    assertThat(ClusterWiring.environment(release)).isEmpty();
  }

  @Test
  void theBudgetKeepsAMajority() {
    for (int[] replicasAndUnavailable : new int[][] {{2, 0}, {3, 1}, {4, 1}, {5, 2}}) {
      release.getSpec().setReplicas(replicasAndUnavailable[0]);
      assertThat(
              ClusterObjects.disruptionBudget(release)
                  .orElseThrow()
                  .getSpec()
                  .getMaxUnavailable()
                  .getIntVal())
          .as("%d replicas", replicasAndUnavailable[0])
          .isEqualTo(replicasAndUnavailable[1]);
    }
    release.getSpec().setReplicas(1);
    assertThat(ClusterObjects.disruptionBudget(release)).isEmpty();
  }

  private static Map<String, EnvVar> byName(List<EnvVar> env) {
    return env.stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
  }
}
