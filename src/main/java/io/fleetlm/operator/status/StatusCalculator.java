package io.fleetlm.operator.status;

import static io.fleetlm.operator.status.Conditions.FALSE;
import static io.fleetlm.operator.status.Conditions.TRUE;
import static io.fleetlm.operator.status.Conditions.UNKNOWN;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseStatus;
import io.fleetlm.operator.api.Phase;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.rollout.MigrationProgress;
import io.fleetlm.operator.rollout.MigrationProgress.Stage;
import io.fleetlm.operator.rollout.RolloutState;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** The one place that turns what a reconcile learned into status, conditions and phase. */
public final class StatusCalculator {

  private StatusCalculator() {}

  public static FleetlmReleaseStatus compute(StatusInputs in) {
    FleetlmReleaseStatus previous =
        Objects.requireNonNullElseGet(in.release().getStatus(), FleetlmReleaseStatus::new);
    long generation = Objects.requireNonNullElse(in.release().getMetadata().getGeneration(), 0L);
    MigrationProgress migration = in.migration();
    RolloutState rollout = in.rollout();
    Conditions conditions = new Conditions(previous.getConditions(), generation, in.now());

    setMigrationSucceeded(conditions, migration);
    setMigrationsVerified(conditions, migration);
    boolean verified = migration.stage() == Stage.VERIFIED;
    boolean rolledOut = verified && rollout.completeFor(in.targetMigrationId());
    String rolloutProgress =
        in.targetMigrationId().equals(rollout.migrationId())
            ? rollout.describe()
            : "rolling out "
                + in.release().getSpec().getImage()
                + " to "
                + Objects.requireNonNullElse(in.release().getSpec().getReplicas(), 1)
                + " replicas";
    if (rolledOut) {
      conditions.set(
          ConditionType.ROLLED_OUT, TRUE, "RolloutComplete", "Deployment " + rollout.describe());
    } else if (verified) {
      conditions.set(ConditionType.ROLLED_OUT, FALSE, "RollingOut", rolloutProgress);
    } else {
      conditions.set(
          ConditionType.ROLLED_OUT,
          FALSE,
          "AwaitingVerification",
          rollout.exists()
              ? "the Deployment keeps running "
                  + rollout.image()
                  + " until the new release is verified"
              : "the Deployment is created once the migrations are verified");
    }
    boolean stalled = migration.failed();
    if (rolledOut) {
      conditions.set(
          ConditionType.READY,
          TRUE,
          "Ready",
          in.release().getSpec().getImage() + " is verified and rolled out");
    } else {
      conditions.set(
          ConditionType.READY,
          FALSE,
          verified ? "RollingOut" : migration.reason(),
          verified ? rolloutProgress : migration.message());
    }
    conditions.set(
        ConditionType.RECONCILING,
        !rolledOut && !stalled ? TRUE : FALSE,
        !rolledOut && !stalled ? (verified ? "RollingOut" : migration.reason()) : "Idle",
        !rolledOut && !stalled ? (verified ? rolloutProgress : migration.message()) : "");
    conditions.set(
        ConditionType.STALLED,
        stalled ? TRUE : FALSE,
        stalled ? migration.reason() : "Progressing",
        stalled ? migration.message() : "");

    List<ReleaseCondition> list = conditions.list();
    FleetlmReleaseStatus status = new FleetlmReleaseStatus();
    status.setObservedGeneration(generation);
    status.setConditions(list);
    status.setPhase(phaseOf(list, migration));
    status.setTargetImage(in.release().getSpec().getImage());
    status.setCurrentImage(rollout.image());
    status.setTargetMigrationId(in.targetMigrationId());
    status.setVerifiedMigrationId(in.verifiedMigrationId());
    status.setSchemaVersion(
        migration.schemaVersion() != null
            ? migration.schemaVersion()
            : previous.getSchemaVersion());
    status.setMigrationJob(in.migrationJob());
    status.setFailureMessage(stalled ? migration.failureMessage() : null);
    status.setReplicas(rollout.exists() ? rollout.desired() : null);
    status.setReadyReplicas(rollout.exists() ? rollout.ready() : null);
    status.setUpdatedReplicas(rollout.exists() ? rollout.updated() : null);
    status.setWarnings(List.copyOf(in.warnings()));
    status.setHistory(in.history());
    return status;
  }

  /**
   * A paused release keeps what it last reported, says that it is paused, and stops reconciling.
   */
  public static FleetlmReleaseStatus paused(FleetlmRelease release, Instant now) {
    FleetlmReleaseStatus previous =
        Objects.requireNonNullElseGet(release.getStatus(), FleetlmReleaseStatus::new);
    long generation = Objects.requireNonNullElse(release.getMetadata().getGeneration(), 0L);
    Conditions conditions = new Conditions(previous.getConditions(), generation, now);
    for (ReleaseCondition kept : previous.getConditions()) {
      String type = kept.getType();
      if (!type.equals(ConditionType.RECONCILING) && !type.equals(ConditionType.PAUSED)) {
        conditions.set(type, kept.getStatus(), kept.getReason(), kept.getMessage());
      }
    }
    conditions.set(
        ConditionType.RECONCILING, FALSE, "Paused", "spec.paused is true; nothing is reconciled");
    conditions.set(
        ConditionType.PAUSED,
        TRUE,
        "Paused",
        "spec.paused is true: no migration starts and the Deployment is not changed");
    FleetlmReleaseStatus status = Serialization.clone(previous);
    status.setObservedGeneration(generation);
    status.setConditions(conditions.list());
    status.setTargetImage(release.getSpec().getImage());
    if (status.getPhase() == null) {
      status.setPhase(Phase.Pending);
    }
    return status;
  }

  /** Phase is a summary of the conditions, never stored as a separate truth. */
  static Phase phaseOf(List<ReleaseCondition> conditions, MigrationProgress migration) {
    if (Conditions.isTrue(conditions, ConditionType.STALLED)) {
      return Phase.Failed;
    }
    if (Conditions.isTrue(conditions, ConditionType.READY)) {
      return Phase.Ready;
    }
    if (Conditions.isTrue(conditions, ConditionType.MIGRATIONS_VERIFIED)) {
      return Phase.RollingOut;
    }
    if (Conditions.isTrue(conditions, ConditionType.MIGRATION_SUCCEEDED)) {
      return Phase.Verifying;
    }
    return migration.stage() == Stage.MIGRATING || migration.stage() == Stage.WAITING_FOR_SUPERSEDED
        ? Phase.Migrating
        : Phase.Pending;
  }

  private static void setMigrationSucceeded(Conditions conditions, MigrationProgress migration) {
    String type = ConditionType.MIGRATION_SUCCEEDED;
    switch (migration.stage()) {
      case BLOCKED, WAITING_FOR_SUPERSEDED, MIGRATING ->
          conditions.set(type, UNKNOWN, migration.reason(), migration.message());
      case MIGRATION_FAILED -> conditions.set(type, FALSE, migration.reason(), migration.message());
      case VERIFYING, VERIFICATION_FAILED, VERIFIED ->
          conditions.set(type, TRUE, "MigrationCompleted", "the migration ran to completion");
    }
  }

  private static void setMigrationsVerified(Conditions conditions, MigrationProgress migration) {
    String type = ConditionType.MIGRATIONS_VERIFIED;
    switch (migration.stage()) {
      case BLOCKED, WAITING_FOR_SUPERSEDED, MIGRATING ->
          conditions.set(type, UNKNOWN, "AwaitingMigration", "verification follows the migration");
      case MIGRATION_FAILED ->
          conditions.set(type, FALSE, "MigrationFailed", "the migration did not complete");
      case VERIFYING, VERIFICATION_FAILED, VERIFIED ->
          conditions.set(
              type,
              migration.stage() == Stage.VERIFYING
                  ? UNKNOWN
                  : migration.stage() == Stage.VERIFIED ? TRUE : FALSE,
              migration.reason(),
              migration.message());
    }
  }
}
