package io.fleetlm.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fleetlm.operator.api.Reason;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MigrationPodsTest {

  @ParameterizedTest
  @CsvSource({
    "ErrImagePull, ImagePullFailed",
    "ImagePullBackOff, ImagePullFailed",
    "InvalidImageName, ImagePullFailed",
    "ErrImageNeverPull, ImagePullFailed",
    "CreateContainerConfigError, ContainerConfigError",
    "CreateContainerError, ContainerConfigError",
  })
  void waitingReasonsOfTheKubeletAreStalls(String waiting, String stall) {
    Pod pod = waiting(waiting, "what the kubelet said");
    assertThat(MigrationPods.stall(List.of(pod)))
        .hasValueSatisfying(
            s -> {
              assertThat(s.reason()).isEqualTo(Reason.valueOf(stall));
              assertThat(s.message()).isEqualTo(waiting + ": what the kubelet said");
            });
    assertThat(MigrationPods.neverStarted(List.of(pod))).isTrue();
  }

  @Test
  void aPodTheSchedulerCannotPlaceIsUnschedulable() {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("p")
            .endMetadata()
            .withNewStatus()
            .withPhase("Pending")
            .withConditions(
                new PodConditionBuilder()
                    .withType("PodScheduled")
                    .withStatus("False")
                    .withReason("Unschedulable")
                    .withMessage("0/4 nodes are available")
                    .build())
            .endStatus()
            .build();
    assertThat(MigrationPods.stall(List.of(pod)).orElseThrow().reason())
        .isEqualTo(Reason.Unschedulable);
    assertThat(MigrationPods.neverStarted(List.of(pod))).isTrue();
  }

  @Test
  void aRunningOrOomKilledContainerHasStarted() {
    Pod running =
        pod(new ContainerStateBuilder().withNewRunning().withStartedAt("t").endRunning().build());
    assertThat(MigrationPods.stall(List.of(running))).isEmpty();
    assertThat(MigrationPods.neverStarted(List.of(running))).isFalse();

    Pod oom =
        pod(
            new ContainerStateBuilder()
                .withNewTerminated()
                .withExitCode(137)
                .withReason("OOMKilled")
                .endTerminated()
                .build());
    assertThat(MigrationPods.stall(List.of(oom)).orElseThrow().reason())
        .isEqualTo(Reason.OOMKilled);
    assertThat(MigrationPods.neverStarted(List.of(oom))).isFalse();
  }

  @Test
  void aPodWithoutStatusIsNeitherStalledNorStarted() {
    Pod fresh = new PodBuilder().withNewMetadata().withName("p").endMetadata().build();
    assertThat(MigrationPods.stall(List.of(fresh))).isEmpty();
    assertThat(MigrationPods.neverStarted(List.of(fresh))).isTrue();
  }

  static Pod waiting(String reason, String message) {
    return pod(
        new ContainerStateBuilder()
            .withNewWaiting()
            .withReason(reason)
            .withMessage(message)
            .endWaiting()
            .build());
  }

  private static Pod pod(io.fabric8.kubernetes.api.model.ContainerState state) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("p")
        .endMetadata()
        .withNewStatus()
        .withContainerStatuses(
            new ContainerStatusBuilder().withName("migrate").withState(state).build())
        .endStatus()
        .build();
  }
}
