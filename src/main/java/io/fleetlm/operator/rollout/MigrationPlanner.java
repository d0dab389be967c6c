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
   */
  public static MigrationStep next(
      String targetId,
      String verifiedId,
      Optional<ReleaseOutcome> targetRecord,
      Optional<MigrationJobState> targetJob,
      List<String> otherRunningJobs) {
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
    if (targetRecord.isPresent()) {
      // The Job ran once and is gone (TTL, deleted by hand): the database decides, never a rerun.
      return MigrationStep.of(MigrationStep.Kind.VERIFY);
    }
    if (!otherRunningJobs.isEmpty()) {
      return new MigrationStep(MigrationStep.Kind.AWAIT_SUPERSEDED_JOB, otherRunningJobs.get(0));
    }
    return MigrationStep.of(MigrationStep.Kind.CREATE_JOB);
  }
}
