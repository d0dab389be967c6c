package io.fleetlm.operator.status;

/** Condition types: kstatus's three, then one per rollout step. */
public final class ConditionType {

  public static final String READY = "Ready";
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";
  public static final String MIGRATION_SUCCEEDED = "MigrationSucceeded";
  public static final String MIGRATIONS_VERIFIED = "MigrationsVerified";
  public static final String ROLLED_OUT = "RolledOut";
  public static final String PAUSED = "Paused";

  /**
   * Abnormal-true: the operator changes a clustered release's FleetLM nodes (clusterRoll nodes).
   */
  public static final String CLUSTER_CONVERGING = "ClusterConverging";

  private ConditionType() {}
}
