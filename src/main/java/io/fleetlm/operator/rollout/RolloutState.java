package io.fleetlm.operator.rollout;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fleetlm.operator.kube.ResourceNames;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** The app Deployment as observed: what it runs and how far its rollout got. */
public record RolloutState(
    boolean exists,
    String image,
    String migrationId,
    int desired,
    int updated,
    int ready,
    int available,
    int total,
    boolean observed) {

  public static RolloutState of(Optional<Deployment> deployment) {
    if (deployment.isEmpty()) {
      return new RolloutState(false, null, null, 0, 0, 0, 0, 0, true);
    }
    Deployment d = deployment.get();
    DeploymentStatus status = Objects.requireNonNullElseGet(d.getStatus(), DeploymentStatus::new);
    String image = d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    Map<String, String> podLabels =
        Objects.requireNonNullElse(d.getSpec().getTemplate().getMetadata().getLabels(), Map.of());
    long generation = Objects.requireNonNullElse(d.getMetadata().getGeneration(), 0L);
    boolean observed = Objects.requireNonNullElse(status.getObservedGeneration(), 0L) >= generation;
    return new RolloutState(
        true,
        image,
        podLabels.get(ResourceNames.LABEL_MIGRATION_ID),
        Objects.requireNonNullElse(d.getSpec().getReplicas(), 1),
        orZero(status.getUpdatedReplicas()),
        orZero(status.getReadyReplicas()),
        orZero(status.getAvailableReplicas()),
        orZero(status.getReplicas()),
        observed);
  }

  /**
   * The Deployment runs the given release, every pod runs its current template and is available,
   * and no pod of an older template is left.
   */
  public boolean completeFor(String targetMigrationId) {
    return exists
        && targetMigrationId.equals(migrationId)
        && observed
        && updated == desired
        && available == desired
        && total == desired;
  }

  public String describe() {
    return updated
        + "/"
        + desired
        + " replicas updated, "
        + available
        + " available, "
        + total
        + " in total";
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }
}
