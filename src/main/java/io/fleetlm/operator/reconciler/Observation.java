package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseStatus;
import io.fleetlm.operator.kube.MigrationIdentity;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one reconcile starts from, read before anything is decided and never changed after.
 *
 * @param release the release as the informer delivered it
 * @param jobsById this release's migration Jobs, by migration identity
 * @param podsByJob the pods of those Jobs, by Job name
 * @param deployment the app Deployment, if it exists
 * @param now the reconcile's clock, at the seconds Kubernetes times have
 */
public record Observation(
    FleetlmRelease release,
    Map<String, Job> jobsById,
    Map<String, List<Pod>> podsByJob,
    Optional<Deployment> deployment,
    Instant now) {

  public Observation {
    jobsById = Map.copyOf(jobsById);
    podsByJob = Map.copyOf(podsByJob);
  }

  List<Pod> podsOf(Job job) {
    return podsByJob.getOrDefault(job.getMetadata().getName(), List.of());
  }

  FleetlmReleaseStatus previous() {
    return Objects.requireNonNullElseGet(release.getStatus(), FleetlmReleaseStatus::new);
  }

  long generation() {
    return Objects.requireNonNullElse(release.getMetadata().getGeneration(), 0L);
  }

  String targetId() {
    return MigrationIdentity.of(release.getSpec());
  }

  boolean paused() {
    return Boolean.TRUE.equals(release.getSpec().getPaused());
  }

  String name() {
    return release.getMetadata().getNamespace() + "/" + release.getMetadata().getName();
  }
}
