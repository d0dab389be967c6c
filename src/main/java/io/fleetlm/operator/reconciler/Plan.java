package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.kube.MigrationJobState;
import io.fleetlm.operator.kube.MigrationPods;
import io.fleetlm.operator.kube.ResourceNames;
import io.fleetlm.operator.rollout.MigrationPlanner;
import io.fleetlm.operator.rollout.MigrationStep;
import io.fleetlm.operator.rollout.ReleaseHistory;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one reconcile decided from its observation, before it acts: a pure function of the
 * observation.
 *
 * @param history the release's history with every running Job of an earlier spec in it, and all but
 *     the target superseded
 * @param targetJob the target's migration Job, if it exists
 * @param stuckJobs superseded migration Jobs to stop
 * @param step the migration step
 */
record Plan(
    ReleaseHistory history, Optional<Job> targetJob, List<Job> stuckJobs, MigrationStep step) {

  static Plan of(Observation observation) {
    String targetId = observation.targetId();
    ReleaseHistory history =
        withRunningJobs(ReleaseHistory.of(observation.previous().getHistory()), observation)
            // The target's identity names the database, so its record is of that database.
            .adoptDatabase(targetId, observation.database().orElse(null))
            .supersedeAllBut(targetId, observation.generation(), observation.now());
    Optional<Job> targetJob = Optional.ofNullable(observation.jobsById().get(targetId));
    List<Job> stuck = stuckSupersededJobs(observation);
    MigrationStep step =
        MigrationPlanner.next(
            targetId,
            observation.previous().getVerifiedMigrationId(),
            history.find(targetId).map(ReleaseRecord::outcome),
            targetJob.map(MigrationJobState::of),
            runningJobsBesidesTarget(observation).stream()
                .filter(job -> !stuck.contains(job))
                .map(job -> job.getMetadata().getName())
                .toList(),
            observation.paused());
    return new Plan(history, targetJob, stuck, step);
  }

  List<String> stoppedJobNames() {
    return stuckJobs.stream().map(job -> job.getMetadata().getName()).toList();
  }

  /**
   * A superseded migration whose pod never started its container (it cannot pull its image, lacks
   * its configuration, cannot be scheduled) is stopped at once, so that the migration of the spec
   * that fixes it need not wait for the old Job's deadline. A container that has started is never
   * stopped: a migration is never killed mid-run.
   */
  private static List<Job> stuckSupersededJobs(Observation observation) {
    return runningJobsBesidesTarget(observation).stream()
        .filter(
            job -> {
              List<Pod> pods = observation.podsOf(job);
              return MigrationPods.stall(pods).isPresent() && MigrationPods.neverStarted(pods);
            })
        .toList();
  }

  /**
   * Every running migration Job of an earlier spec in the history, recorded or not (the target's
   * own Job is remembered by the executor, which knows what it runs).
   */
  private static ReleaseHistory withRunningJobs(ReleaseHistory history, Observation observation) {
    ReleaseHistory known = history;
    for (Job job : runningJobsBesidesTarget(observation)) {
      ObjectMeta meta = job.getMetadata();
      known =
          known.found(
              meta.getLabels().get(ResourceNames.LABEL_MIGRATION_ID),
              Objects.requireNonNullElse(meta.getAnnotations(), Map.<String, String>of())
                  .get(ResourceNames.ANNOTATION_IMAGE),
              meta.getName(),
              meta.getCreationTimestamp() == null
                  ? observation.now()
                  : Instant.parse(meta.getCreationTimestamp()));
    }
    return known;
  }

  /** Migration Jobs of other identities than the target that have not ended, by name. */
  private static List<Job> runningJobsBesidesTarget(Observation observation) {
    String targetId = observation.targetId();
    return observation.jobsById().entrySet().stream()
        .filter(e -> !e.getKey().equals(targetId))
        .map(Map.Entry::getValue)
        .filter(job -> !MigrationJobState.of(job).finished())
        .sorted(Comparator.comparing(job -> job.getMetadata().getName()))
        .toList();
  }
}
