package io.fleetlm.operator.api;

/** What to do when the database holds migrations newer than the release knows. */
public enum SchemaAheadPolicy {
  /** Stop with reason SchemaAhead, naming the versions; nothing is deployed. */
  Block,
  /** Deploy the release on the newer schema (expand/contract: the app tolerates it). */
  Allow
}
