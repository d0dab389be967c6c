package io.fleetlm.operator.api;

/**
 * What to do when a verified release's database loses migrations it was verified with (restored
 * from an older backup, rolled back by hand).
 */
public enum SchemaDriftPolicy {
  /** Ready turns False with reason SchemaBehind, naming the versions; nothing is migrated. */
  Report,
  /**
   * Report, then run the release's migration Job once more and verify again; the running pods are
   * not replaced, since their image and database do not change.
   */
  Migrate
}
