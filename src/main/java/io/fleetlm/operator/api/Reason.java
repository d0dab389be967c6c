package io.fleetlm.operator.api;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every reason the operator writes into a condition, a history record or an Event. A reason's kind
 * says what it means as the reason of Ready (what kstatus, Argo CD and {@code kubectl wait} make of
 * it); its metric says where it is counted. The README's reason table is checked against this list.
 */
public enum Reason {
  // The release moves on by itself.
  MigrationRunning(Kind.PROGRESSING, Metric.NONE, "the migration Job runs"),
  RollbackRunning(Kind.PROGRESSING, Metric.NONE, "the rollback Job runs"),
  WaitingForDatabase(
      Kind.PROGRESSING, Metric.NONE, "another release migrates the same database; this one waits"),
  WaitingForSupersededMigration(
      Kind.PROGRESSING, Metric.NONE, "the migration of an earlier spec still runs"),
  DatabaseUnreachable(
      Kind.PROGRESSING,
      Metric.VERIFICATION_FAILURE,
      "the database does not answer; retried with backoff"),
  Paused(Kind.PROGRESSING, Metric.NONE, "spec.paused is true"),
  RollingOut(Kind.PROGRESSING, Metric.NONE, "verified; the Deployment rolls to the new image"),

  Ready(Kind.READY, Metric.ROLLOUT, "the verified image runs at the desired replicas"),

  // The user must fix something outside the spec's migration; the release resumes by itself.
  SecretNotFound(Kind.STALLED, Metric.RELEASE_FAILURE, "a Secret the release names is missing"),
  InvalidDatabaseUrl(Kind.STALLED, Metric.RELEASE_FAILURE, "DATABASE_URL cannot be parsed"),
  DatabaseAuthFailed(
      Kind.STALLED, Metric.RELEASE_FAILURE, "the database refuses the credentials in the Secret"),
  RollbackImageUnknown(
      Kind.STALLED, Metric.RELEASE_FAILURE, "no image is known to revert the database"),
  ImagePullFailed(Kind.STALLED, Metric.RELEASE_FAILURE, "the migration pod cannot pull its image"),
  ContainerConfigError(
      Kind.STALLED, Metric.RELEASE_FAILURE, "the migration pod lacks a Secret or ConfigMap key"),
  Unschedulable(Kind.STALLED, Metric.RELEASE_FAILURE, "the migration pod cannot be scheduled"),
  InvalidPodTemplate(
      Kind.STALLED,
      Metric.RELEASE_FAILURE,
      "the API server refused the Job or Deployment built from the spec"),
  ResourceConflict(
      Kind.STALLED,
      Metric.RELEASE_FAILURE,
      "an object of a name the release writes exists and is someone else's"),
  ClusterNotConverging(
      Kind.STALLED,
      Metric.RELEASE_FAILURE,
      "clusterRoll nodes: the roll waited past clusterStepDeadline for FleetLM's answer; it"
          + " goes on if the answer comes"),
  ClusterCannotShrink(
      Kind.STALLED,
      Metric.RELEASE_FAILURE,
      "clusterRoll nodes: spec.replicas asks a cluster of 2 or more nodes to run 1, which FleetLM"
          + " cannot do without losing Raft groups; nothing is stopped"),
  ReconcileError(
      Kind.STALLED,
      Metric.RELEASE_FAILURE,
      "an error the operator retries; Stalled once retries" + " have not helped"),

  // This spec's migration ended badly: a new image or spec.migration.runId starts another.
  MigrationJobFailed(Kind.FAILED, Metric.MIGRATION_FAILURE, "the migration container failed"),
  DeadlineExceeded(
      Kind.FAILED,
      Metric.MIGRATION_FAILURE,
      "the migration ran past spec.migration.timeoutSeconds"),
  OOMKilled(Kind.FAILED, Metric.MIGRATION_FAILURE, "the migration container ran out of memory"),
  MigrationPodDeleted(
      Kind.FAILED, Metric.MIGRATION_FAILURE, "the migration pod was deleted while it ran"),
  UnsupportedImage(
      Kind.FAILED, Metric.MIGRATION_FAILURE, "the image has no Fleetlm.Release release helper"),
  SchemaBehind(
      Kind.FAILED,
      Metric.VERIFICATION_FAILURE,
      "a verified release's database no longer holds its migrations (found at a resync)"),
  MigrationJobDeleted(
      Kind.FAILED,
      Metric.VERIFICATION_FAILURE,
      "the migration Job was deleted and the database lacks its migrations"),
  HistoryTableMissing(
      Kind.FAILED, Metric.VERIFICATION_FAILURE, "the database has no migration history table"),
  HistoryEmpty(Kind.FAILED, Metric.VERIFICATION_FAILURE, "the history table is empty"),
  FailedMigrationRecorded(
      Kind.FAILED, Metric.VERIFICATION_FAILURE, "the history records a failed migration"),
  MigrationsMissing(
      Kind.FAILED, Metric.VERIFICATION_FAILURE, "required versions are not in the history"),
  MigrationsPending(
      Kind.FAILED, Metric.VERIFICATION_FAILURE, "the image reports migrations still down"),
  SchemaAhead(
      Kind.FAILED,
      Metric.VERIFICATION_FAILURE,
      "the database holds versions newer than the release (allowed with schemaAhead: Allow)"),
  UnknownMigrationsInDatabase(
      Kind.FAILED,
      Metric.VERIFICATION_FAILURE,
      "the database holds versions the image has no file for"),
  RollbackIncomplete(
      Kind.FAILED, Metric.VERIFICATION_FAILURE, "versions above rollbackTo are still applied"),
  RollbackTargetNotApplied(
      Kind.FAILED, Metric.VERIFICATION_FAILURE, "the rollback target version is not applied"),

  // Reasons of the other conditions, of history records and of Events: never Ready's reason.
  Verified(Kind.DETAIL, Metric.NONE, "MigrationsVerified: every required migration is applied"),
  HistoryPresent(
      Kind.DETAIL, Metric.NONE, "MigrationsVerified: a history exists (no expectedVersion set)"),
  RolledBack(Kind.DETAIL, Metric.NONE, "MigrationsVerified and Event: the rollback is verified"),
  MigrationsVerified(Kind.DETAIL, Metric.NONE, "Event: a release was verified"),
  MigrationCompleted(Kind.DETAIL, Metric.NONE, "MigrationSucceeded: the Job ran to completion"),
  AwaitingMigration(Kind.DETAIL, Metric.NONE, "MigrationsVerified: the migration has not ended"),
  MigrationFailed(Kind.DETAIL, Metric.NONE, "MigrationsVerified: the migration did not complete"),
  AwaitingVerification(
      Kind.DETAIL, Metric.NONE, "RolledOut: the Deployment waits for the verification"),
  RolloutComplete(Kind.DETAIL, Metric.NONE, "RolledOut: the rollout is complete"),
  ClusterConverging(
      Kind.DETAIL, Metric.NONE, "ClusterConverging: a step of the FleetLM nodes' roll is taken"),
  ClusterConverged(
      Kind.DETAIL, Metric.NONE, "ClusterConverging=False: the nodes and their groups are settled"),
  Idle(Kind.DETAIL, Metric.NONE, "Reconciling=False"),
  Progressing(Kind.DETAIL, Metric.NONE, "Stalled=False"),
  Superseded(Kind.DETAIL, Metric.NONE, "history: a newer spec replaced this release"),
  Resumed(Kind.DETAIL, Metric.NONE, "Event: spec.paused went back to false"),
  DriftCorrected(Kind.DETAIL, Metric.NONE, "Warning Event: an object changed by hand was put back"),
  SupersededMigrationStopped(
      Kind.DETAIL, Metric.NONE, "Event: a superseded Job whose pod never started was stopped"),
  SpecWarning(Kind.DETAIL, Metric.NONE, "Warning Event: a new entry in status.warnings"),
  HandedOver(
      Kind.DETAIL,
      Metric.NONE,
      "Event: an object handed over by annotation was deleted, for the release to create its"
          + " own"),
  DatabaseChanged(
      Kind.DETAIL,
      Metric.NONE,
      "Event: the spec's Secret names another database, which is migrated and verified before"
          + " any pod is rolled onto it");

  /** What a reason means as Ready's reason. */
  public enum Kind {
    /** kstatus InProgress, Argo CD Progressing: Reconciling=True. */
    PROGRESSING,
    /** kstatus Failed, Argo CD Degraded: Stalled=True until the user fixes the cause. */
    STALLED,
    /** kstatus Failed, Argo CD Degraded: Stalled=True until a new spec or runId. */
    FAILED,
    /** kstatus Current, Argo CD Healthy. */
    READY,
    /** Never Ready's reason. */
    DETAIL;

    /** Whether Ready with this reason means the release has stopped (Stalled=True). */
    public boolean stops() {
      return this == STALLED || this == FAILED;
    }
  }

  /** Where a reason is counted, beyond fleetlm_release_failures_total for every stop. */
  public enum Metric {
    NONE,
    /** fleetlm_release_failures_total{reason} when the release stops. */
    RELEASE_FAILURE,
    /** and fleetlm_migration_duration_seconds{outcome="failed"} when its Job ends so. */
    MIGRATION_FAILURE,
    /** and fleetlm_verification_failures_total{reason} when verification finds it. */
    VERIFICATION_FAILURE,
    /** fleetlm_rollout_duration_seconds when the release becomes Ready. */
    ROLLOUT
  }

  private final Kind kind;
  private final Metric metric;
  private final String meaning;

  Reason(Kind kind, Metric metric, String meaning) {
    this.kind = kind;
    this.metric = metric;
    this.meaning = meaning;
  }

  public Kind kind() {
    return kind;
  }

  public Metric metric() {
    return metric;
  }

  /** One line for the docs. */
  public String meaning() {
    return meaning;
  }

  /** The reason a status or record carries, if it is one of ours. */
  public static Optional<Reason> parse(String text) {
    return Arrays.stream(values()).filter(r -> r.name().equals(text)).findFirst();
  }
}
