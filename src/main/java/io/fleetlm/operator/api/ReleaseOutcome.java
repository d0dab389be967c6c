package io.fleetlm.operator.api;

/** What became of one release (one migration identity) in status.history. */
public enum ReleaseOutcome {
  /** Its migration Job was created and has not finished. */
  Migrating,
  /** Its migration Job succeeded; the database has not been verified yet. */
  Migrated,
  /** The database holds its migrations; the Deployment may run its image. */
  Verified,
  /** Its migration failed or the database lacks its migrations. */
  Failed,
  /** A newer generation replaced it before it was verified. */
  Superseded
}
