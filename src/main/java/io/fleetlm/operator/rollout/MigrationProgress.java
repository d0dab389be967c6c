package io.fleetlm.operator.rollout;

import io.fleetlm.operator.api.Reason;

/**
 * Where the target release's migration stands after this reconcile, with the reason and message the
 * conditions will carry.
 */
public record MigrationProgress(
    Stage stage, Reason reason, String message, String schemaVersion, String failureMessage) {

  public enum Stage {
    /** Something the user must fix before a migration can start (e.g. a missing Secret). */
    BLOCKED,
    /** spec.paused, and the target's migration has not started. */
    PAUSED,
    /**
     * The migration has not started and waits for something outside that may recover by itself (the
     * database does not answer yet); not a failure.
     */
    WAITING,
    WAITING_FOR_SUPERSEDED,
    MIGRATING,
    /**
     * The migration Job still runs, but its pod cannot make progress (image, configuration,
     * scheduling): the user has to act, and the Job goes on by itself once they have.
     */
    STALLED,
    MIGRATION_FAILED,
    /** The Job succeeded but the database could not be read yet; retried with backoff. */
    VERIFYING,
    VERIFICATION_FAILED,
    VERIFIED
  }

  public static MigrationProgress of(Stage stage, Reason reason, String message) {
    return new MigrationProgress(stage, reason, message, null, null);
  }

  public boolean failed() {
    return stage == Stage.MIGRATION_FAILED
        || stage == Stage.VERIFICATION_FAILED
        || stage == Stage.BLOCKED
        || stage == Stage.STALLED;
  }
}
