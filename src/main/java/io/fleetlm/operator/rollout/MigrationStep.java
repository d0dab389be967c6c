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
    /** No migration ran for the target yet. */
    CREATE_JOB,
    /** The target's migration Job is running. */
    AWAIT_JOB,
    /** The target's migration Job failed. */
    JOB_FAILED,
    /** The migration ran (or its Job is gone): ask the database. */
    VERIFY
  }

  static MigrationStep of(Kind kind) {
    return new MigrationStep(kind, null);
  }
}
