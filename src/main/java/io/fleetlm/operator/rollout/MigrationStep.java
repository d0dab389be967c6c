package io.fleetlm.operator.rollout;

/** What the reconciler does next about the target release's migration. */
public record MigrationStep(Kind kind, String detail) {

  public enum Kind {
    /** The target's migrations are verified; only the Deployment may need work. */
    ALREADY_VERIFIED,
    /** The target failed earlier; nothing runs again until the spec changes. */
    PREVIOUSLY_FAILED,
    /** Another release's migration Job is still running against the same database. */
    AWAIT_SUPERSEDED_JOB,
    /** The release is paused and its migration has not started: nothing new starts. */
    PAUSED,
    /** No migration ran for the target yet. */
    CREATE_JOB,
    /** The target's migration Job is running. */
    AWAIT_JOB,
    /** The target's migration Job failed. */
    JOB_FAILED,
    /** The migration Job succeeded, or finished and is gone: ask the database. */
    VERIFY,
    /**
     * The Job vanished while it was running (deleted by hand): the database decides, and if it
     * lacks the migrations the deletion, not the database, is the diagnosis.
     */
    VERIFY_AFTER_JOB_LOST
  }

  static MigrationStep of(Kind kind) {
    return new MigrationStep(kind, null);
  }
}
