package io.fleetlm.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClusterGrowthTest {

  private static final RolloutState NONE =
      new RolloutState(false, null, null, 3, 0, 0, 0, 0, 0, true, false);

  @Test
  void aClusterStartsWithOnePod() {
    assertThat(ClusterGrowth.replicas(true, 3, NONE)).isEqualTo(1);
  }

  @Test
  void eachNextPodWaitsUntilEveryPodIsReadyAvailableAndCurrent() {
    assertThat(ClusterGrowth.replicas(true, 3, state(1, 1, 1, 1, 1, true))).isEqualTo(2);
    assertThat(ClusterGrowth.replicas(true, 3, state(2, 2, 1, 1, 2, true)))
        .as("the second pod is not ready yet")
        .isEqualTo(2);
    assertThat(ClusterGrowth.replicas(true, 3, state(2, 2, 2, 1, 2, true)))
        .as("ready but not yet available")
        .isEqualTo(2);
    assertThat(ClusterGrowth.replicas(true, 3, state(2, 2, 2, 2, 3, true)))
        .as("an old pod is still there")
        .isEqualTo(2);
    assertThat(ClusterGrowth.replicas(true, 3, state(2, 2, 2, 2, 2, false)))
        .as("the Deployment controller has not seen the last step")
        .isEqualTo(2);
    assertThat(ClusterGrowth.replicas(true, 3, state(2, 2, 2, 2, 2, true))).isEqualTo(3);
  }

  @Test
  void fromZeroPodsTheClusterStartsAgainWithOne() {
    assertThat(ClusterGrowth.replicas(true, 3, state(0, 0, 0, 0, 0, true))).isEqualTo(1);
  }

  @Test
  void atTheSpecNothingChanges() {
    assertThat(ClusterGrowth.replicas(true, 3, state(3, 3, 3, 3, 3, true))).isEqualTo(3);
    assertThat(ClusterGrowth.replicas(true, 3, state(3, 3, 2, 2, 3, true))).isEqualTo(3);
  }

  @Test
  void aScaleDownRemovesOnePodAtATimeOnceAllAreUp() {
    assertThat(ClusterGrowth.replicas(true, 3, state(5, 5, 5, 5, 5, true))).isEqualTo(4);
    assertThat(ClusterGrowth.replicas(true, 3, state(4, 4, 4, 4, 5, true)))
        .as("the pod that leaves is still terminating")
        .isEqualTo(4);
    assertThat(ClusterGrowth.replicas(true, 3, state(4, 4, 4, 4, 4, true))).isEqualTo(3);
  }

  @Test
  void aReleaseThatIsNoClusterGetsItsReplicasAtOnce() {
    assertThat(ClusterGrowth.replicas(false, 3, NONE)).isEqualTo(3);
    assertThat(ClusterGrowth.replicas(false, 1, state(3, 3, 3, 3, 3, true))).isEqualTo(1);
    assertThat(ClusterGrowth.replicas(true, 0, NONE)).isEqualTo(0);
  }

  private static RolloutState state(
      int replicas, int updated, int ready, int available, int total, boolean observed) {
    return new RolloutState(
        true, "fleetlm:1", "id", 3, replicas, updated, ready, available, total, observed, true);
  }
}
