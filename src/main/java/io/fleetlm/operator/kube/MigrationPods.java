package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fleetlm.operator.api.Reason;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What a migration Job's pods say about why it cannot make progress, in the kubelet's and the
 * scheduler's own words, as soon as they say it rather than when the Job's deadline runs out.
 */
public final class MigrationPods {

  /** Why a pod cannot go on: ImagePullFailed, ContainerConfigError, Unschedulable, OOMKilled. */
  public record Stall(Reason reason, String message) {}

  private static final Set<String> IMAGE =
      Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull");
  private static final Set<String> CONFIG =
      Set.of("CreateContainerConfigError", "CreateContainerError", "RunContainerError");

  private MigrationPods() {}

  public static Optional<Stall> stall(List<Pod> pods) {
    for (Pod pod : live(pods)) {
      for (ContainerStatus container : containers(pod)) {
        ContainerStateWaiting waiting =
            container.getState() == null ? null : container.getState().getWaiting();
        if (waiting != null && IMAGE.contains(waiting.getReason())) {
          return Optional.of(new Stall(Reason.ImagePullFailed, said(waiting)));
        }
        if (waiting != null && CONFIG.contains(waiting.getReason())) {
          return Optional.of(new Stall(Reason.ContainerConfigError, said(waiting)));
        }
        if (oomKilled(container)) {
          return Optional.of(
              new Stall(
                  Reason.OOMKilled,
                  "the migration container was killed for using more memory than its limit"));
        }
      }
      Optional<PodCondition> unschedulable =
          Objects.requireNonNullElse(
                  pod.getStatus() == null ? null : pod.getStatus().getConditions(),
                  List.<PodCondition>of())
              .stream()
              .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))
              .filter(c -> "Unschedulable".equals(c.getReason()))
              .findFirst();
      if (unschedulable.isPresent()) {
        return Optional.of(
            new Stall(Reason.Unschedulable, "Unschedulable: " + unschedulable.get().getMessage()));
      }
    }
    return Optional.empty();
  }

  /** No migration container of these pods has ever run: stopping them interrupts nothing. */
  public static boolean neverStarted(List<Pod> pods) {
    return live(pods).stream()
        .flatMap(p -> containers(p).stream())
        .noneMatch(
            c ->
                (c.getState() != null
                        && (c.getState().getRunning() != null
                            || c.getState().getTerminated() != null))
                    || (c.getLastState() != null && c.getLastState().getTerminated() != null)
                    || Boolean.TRUE.equals(c.getStarted()));
  }

  /**
   * Every pod has ended (Succeeded or Failed) or is gone. A Job can be marked Failed while its pod
   * still terminates (Kubernetes before 1.31), and a deleted Job's pod outlives it until it stops:
   * until then the migration may still be writing.
   */
  public static boolean allEnded(List<Pod> pods) {
    return pods.stream().allMatch(MigrationPods::ended);
  }

  public static boolean ended(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  private static boolean oomKilled(ContainerStatus container) {
    return Stream.of(
            container.getState() == null ? null : container.getState().getTerminated(),
            container.getLastState() == null ? null : container.getLastState().getTerminated())
        .filter(Objects::nonNull)
        .map(ContainerStateTerminated::getReason)
        .anyMatch("OOMKilled"::equals);
  }

  private static List<Pod> live(List<Pod> pods) {
    return pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  private static List<ContainerStatus> containers(Pod pod) {
    return Objects.requireNonNullElse(
        pod.getStatus() == null ? null : pod.getStatus().getContainerStatuses(), List.of());
  }

  private static String said(ContainerStateWaiting waiting) {
    return waiting.getReason()
        + (waiting.getMessage() == null || waiting.getMessage().isBlank()
            ? ""
            : ": " + waiting.getMessage());
  }
}
