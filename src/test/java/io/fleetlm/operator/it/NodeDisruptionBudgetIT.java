package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The PodDisruptionBudget of a release whose FleetLM nodes the operator starts itself (clusterRoll
 * nodes): the pods' controller is the FleetlmRelease, so the disruption controller asks the
 * release's scale subresource how many pods to expect. Without it the budget cannot be computed and
 * every eviction, hence every node drain, is refused. The release's first node runs on kwok (no
 * FleetLM answers in it, so the roll waits there); the budget is the real controller's.
 */
class NodeDisruptionBudgetIT {

  private static final String NAME = "trio";
  private static final String IMAGE = "ghcr.io/acme/fleetlm:1.0.0";

  @Test
  void theDisruptionControllerCountsTheNodesTheReleaseAsksFor() {
    try (ReleaseTestBed bed =
        ReleaseTestBed.withSettings("budget", Map.of("fleetlm.operator.cluster-roll", "nodes"))) {
      bed.client.resource(Releases.release(bed.namespace, NAME, IMAGE, "1001", 3)).create();
      bed.container.migrateAndSucceed(
          bed.container.awaitRunningPod(IMAGE), bed.db, bed.database, 1001);

      await()
          .atMost(ReleaseTestBed.TIMEOUT)
          .until(() -> bed.appPods().size() == 1 && budget(bed) != null);
      PodDisruptionBudget counted =
          await()
              .atMost(ReleaseTestBed.TIMEOUT)
              .pollInterval(java.time.Duration.ofSeconds(2))
              .until(() -> budgetOnceMapped(bed), b -> b != null && expected(b) == 3);
      assertThat(counted.getStatus().getCurrentHealthy()).isEqualTo(1);
      assertThat(counted.getStatus().getDisruptionsAllowed())
          .as("one node of three up: none may go")
          .isZero();
      assertThat(bed.client.v1().events().inNamespace(bed.namespace).list().getItems())
          .as("events")
          .noneMatch(
              e ->
                  "CalculateExpectedPodCountFailed".equals(e.getReason())
                      && e.getMessage().contains("scale subresource"));
      assertThat(
              bed.client
                  .genericKubernetesResources("fleetlm.io/v1alpha1", "FleetlmRelease")
                  .inNamespace(bed.namespace)
                  .withName(NAME)
                  .scale()
                  .getSpec()
                  .getReplicas())
          .as("the scale subresource, as `kubectl scale` reads it")
          .isEqualTo(3);
    }
  }

  /**
   * The budget, once the controller-manager could compute it. It maps kinds to resources from
   * discovery, refreshed every 30 s: a budget it syncs before it has seen a CRD installed moments
   * earlier (this test run alone) fails with "no matches for kind" and is not synced again until a
   * pod changes. Such a budget is deleted, and the operator creates it again.
   */
  private static PodDisruptionBudget budgetOnceMapped(ReleaseTestBed bed) {
    PodDisruptionBudget budget = budget(bed);
    boolean unmapped =
        budget != null
            && budget.getStatus() != null
            && budget.getStatus().getConditions().stream()
                .anyMatch(
                    c -> c.getMessage() != null && c.getMessage().contains("no matches for kind"));
    if (unmapped) {
      bed.client.resource(budget).delete();
      return null;
    }
    return budget;
  }

  private static int expected(PodDisruptionBudget budget) {
    return budget.getStatus() == null || budget.getStatus().getExpectedPods() == null
        ? 0
        : budget.getStatus().getExpectedPods();
  }

  private static PodDisruptionBudget budget(ReleaseTestBed bed) {
    return bed.budget(NAME);
  }
}
