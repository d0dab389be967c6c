package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A FleetLM cluster changes size one node at a time: the Deployment asks for one pod more (or
 * fewer) only when every pod it asked for is ready and available, on a first start, a scale-up and
 * a scale-down. Every version of the Deployment the API server served is watched (the test bed's
 * RolloutWatcher); the Deployment and ReplicaSet controllers and the scheduler are real, kwok makes
 * pods ready.
 */
class ClusterGrowthIT {

  private static final String NAME = "chat";
  private static final String V1 = "ghcr.io/acme/fleetlm:1.0.0";

  private ReleaseTestBed bed;

  /** One version of the Deployment: what it asked for and how its pods stood. */
  private record Seen(int asked, int ready, int available, int total) {

    static Seen of(Deployment deployment) {
      DeploymentStatus status =
          Objects.requireNonNullElseGet(deployment.getStatus(), DeploymentStatus::new);
      return new Seen(
          deployment.getSpec().getReplicas(),
          orZero(status.getReadyReplicas()),
          orZero(status.getAvailableReplicas()),
          orZero(status.getReplicas()));
    }

    boolean settled() {
      return available == asked && total == asked;
    }
  }

  @BeforeEach
  void setUp() {
    bed = new ReleaseTestBed("growth");
  }

  @AfterEach
  void tearDown() {
    bed.close();
  }

  @Test
  void aFirstStartOfThreeAScaleToFiveAndBackAddAndRemoveOnePodAtATime() {
    bed.installReady(Releases.release(bed.namespace, NAME, V1, "1001", 3), 1001);
    assertSteppedOneAtATime(seen(), 1, 3);

    assertSteppedOneAtATime(scaleTo(5), 3, 5);
    assertThat(bed.release(NAME).getStatus().getWarnings())
        .as("what FleetLM's coordinator cannot do above 3 replicas, said at 5")
        .anySatisfy(w -> assertThat(w).contains("with more than 3 replicas a roll or scale-down"));
    assertThat(bed.describe(NAME)).contains("SpecWarning");
    assertSteppedOneAtATime(scaleTo(3), 5, 3);
    assertThat(bed.release(NAME).getStatus().getWarnings())
        .noneSatisfy(w -> assertThat(w).contains("more than 3 replicas"));
  }

  private List<Seen> seen() {
    return bed.watcher.versionsOf(NAME).stream().map(Seen::of).toList();
  }

  /** The versions from the last settled one before the edit to the release's Ready at the size. */
  private List<Seen> scaleTo(int replicas) {
    await()
        .atMost(ReleaseTestBed.TIMEOUT)
        .until(() -> !seen().isEmpty() && seen().get(seen().size() - 1).settled());
    int settled = seen().size() - 1;
    bed.editRelease(NAME, r -> r.getSpec().setReplicas(replicas));
    await()
        .atMost(ReleaseTestBed.TIMEOUT)
        .until(
            () ->
                bed.release(NAME).getStatus().getPhase().name().equals("Ready")
                    && bed.deployment(NAME).getStatus().getReplicas() == replicas
                    && bed.deployment(NAME).getStatus().getAvailableReplicas() == replicas);
    List<Seen> all = seen();
    return all.subList(settled, all.size());
  }

  /**
   * What the Deployment asked for went from one number to the other in steps of one, each taken
   * only when every pod it had asked for was available and no other pod was left.
   */
  private static void assertSteppedOneAtATime(List<Seen> versions, int from, int to) {
    int direction = Integer.signum(to - from);
    List<Integer> steps = new ArrayList<>();
    Seen before = null;
    for (Seen now : versions) {
      if (before != null && now.asked() != before.asked()) {
        assertThat(now.asked())
            .as("one pod %s at a time, after %s", direction > 0 ? "more" : "fewer", before)
            .isEqualTo(before.asked() + direction);
        assertThat(before.available())
            .as("every pod available before the step: %s", before)
            .isEqualTo(before.asked());
        assertThat(before.total()).as("no other pod left: %s", before).isEqualTo(before.asked());
      }
      if (steps.isEmpty() || steps.get(steps.size() - 1) != now.asked()) {
        steps.add(now.asked());
      }
      before = now;
    }
    List<Integer> expected = new ArrayList<>();
    for (int i = from; i != to + direction; i += direction) {
      expected.add(i);
    }
    assertThat(steps)
        .as("what the Deployment asked for, in order")
        .containsExactlyElementsOf(expected);
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }
}
