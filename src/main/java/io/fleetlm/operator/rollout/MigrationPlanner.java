package io.fleetlm.operator.rollout;

import io.fleetlm.operator.api.ReleaseOutcome;
import io.fleetlm.operator.kube.MigrationJobState;
import java.util.List;
import java.util.Optional;

/**
 * Decides the next migration step from what was observed. Pure, so every combination is unit
 * tested. Two rules carry the safety guarantees: a migration identity with a record never gets a
 * second Job, and no Job starts while another release's Job still runs.
 */
public final class MigrationPlanner {

  private MigrationPlanner() {}

  /**
   * @param targetId migration identity of the current spec
   * @param verifiedId identity the Deployment is allowed to run (status), or null
   * @param targetRecord outcome recorded for the target in status.history, if any
   * @param targetJob the target's migration Job, if it exists
   * @param otherRunningJobs names of other releases' migration Jobs that have not finished
   * @param paused spec.paused: nothing new starts, what runs is still observed
   */
  public static MigrationStep next(
      String targetId,
      String verifiedId,
      Optional<ReleaseOutcome> targetRecord,
      Optional<MigrationJobState> targetJob,
      List<String> otherRunningJobs,
      boolean paused) {
    if (targetId.equals(verifiedId)) {
      return MigrationStep.of(MigrationStep.Kind.ALREADY_VERIFIED);
    }
    if (targetRecord.filter(o -> o == ReleaseOutcome.Failed).isPresent()) {
      return MigrationStep.of(MigrationStep.Kind.PREVIOUSLY_FAILED);
    }
    if (targetJob.isPresent()) {
      MigrationJobState job = targetJob.get();
      return switch (job.kind()) {
        case RUNNING -> MigrationStep.of(MigrationStep.Kind.AWAIT_JOB);
        case SUCCEEDED -> MigrationStep.of(MigrationStep.Kind.VERIFY);
        case FAILED -> new MigrationStep(MigrationStep.Kind.JOB_FAILED, job.reason());
      };
    }
    if (targetRecord.filter(o -> o == ReleaseOutcome.Migrating).isPresent()) {
      return MigrationStep.of(MigrationStep.Kind.VERIFY_AFTER_JOB_LOST);
    }
    if (targetRecord.isPresent()) {
      // The Job ran to its end and is gone (TTL): the database decides, never a rerun.
      return MigrationStep.of(MigrationStep.Kind.VERIFY);
    }
    if (paused) {
      return MigrationStep.of(MigrationStep.Kind.PAUSED);
    }
    if (!otherRunningJobs.isEmpty()) {
      return new MigrationStep(MigrationStep.Kind.AWAIT_SUPERSEDED_JOB, otherRunningJobs.get(0));
    }
    return MigrationStep.of(MigrationStep.Kind.CREATE_JOB);
  }
}
