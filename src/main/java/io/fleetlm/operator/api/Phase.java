package io.fleetlm.operator.api;

/** Summary of where a release stands; always derived from the conditions. */
public enum Phase {
  Pending,
  Migrating,
  Verifying,
  RollingOut,
  Ready,
  Failed
}
