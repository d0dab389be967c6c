package io.fleetlm.operator.status;

import static io.fleetlm.operator.status.Conditions.FALSE;
import static io.fleetlm.operator.status.Conditions.TRUE;
import static io.fleetlm.operator.status.Conditions.UNKNOWN;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseStatus;
import io.fleetlm.operator.api.Phase;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.kube.ClusterWiring;
import io.fleetlm.operator.rollout.MigrationProgress;
import io.fleetlm.operator.rollout.MigrationProgress.Stage;
import io.fleetlm.operator.rollout.NodeRollProgress;
import io.fleetlm.operator.rollout.RolloutState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The one place that turns what a reconcile learned into status, conditions and phase. Ready is
 * True only when the Deployment, as observed, runs the verified target image at the replicas the
 * spec asks for with MIGRATE_ON_BOOT=false on every pod.
 */
public final class StatusCalculator {

  private StatusCalculator() {}

  public static FleetlmReleaseStatus compute(StatusInputs in) {
    FleetlmRelease release = in.release();
    FleetlmReleaseStatus previous = previousOf(release);
    long generation = generationOf(release);
    MigrationProgress migration = in.migration();
    RolloutState rollout = in.rollout();
    String targetImage = release.getSpec().getImage();
    boolean paused = Boolean.TRUE.equals(release.getSpec().getPaused());
    Conditions conditions = new Conditions(previous.getConditions(), generation, in.now());

    setMigrationSucceeded(conditions, migration);
    setMigrationsVerified(conditions, migration);
    boolean verified = migration.stage() == Stage.VERIFIED;
    Optional<NodeRollProgress> nodeRoll = in.nodeRoll();
    boolean deployed =
        verified
            && rollout.completeFor(in.targetMigrationId(), targetImage)
            && nodeRoll.map(NodeRollProgress::settled).orElse(true);
    boolean rolledOut = deployed && in.cluster().complete();
    // A paused roll takes no step, so it waits on nothing.
    boolean rollStalled =
        verified && !paused && nodeRoll.map(NodeRollProgress::stalled).orElse(false);
    boolean stalled = migration.failed() || rollStalled;
    Reason stalledReason = rollStalled ? nodeRoll.get().stalledReason() : migration.reason();
    String stalledMessage = rollStalled ? nodeRoll.get().describe() : migration.message();
    String rolloutProgress =
        deployed
            ? in.cluster().describe()
            : nodeRoll
                .map(roll -> nodeRollProgress(rollout, roll, in.targetMigrationId(), targetImage))
                .orElseGet(
                    () ->
                        rolloutProgress(
                            rollout,
                            in.targetMigrationId(),
                            targetImage,
                            ClusterWiring.enabled(release.getSpec())));
    String workload = nodeRoll.isPresent() ? "the FleetLM nodes" : "the Deployment";
    nodeRoll.ifPresent(roll -> setClusterConverging(conditions, roll, rollStalled));
    if (rolledOut) {
      conditions.set(
          ConditionType.ROLLED_OUT,
          TRUE,
          Reason.RolloutComplete,
          (nodeRoll.isPresent() ? "FleetLM nodes: " : "Deployment ") + rollout.describe());
    } else if (verified) {
      conditions.set(
          ConditionType.ROLLED_OUT,
          FALSE,
          paused ? Reason.Paused : Reason.RollingOut,
          rolloutProgress);
    } else {
      conditions.set(
          ConditionType.ROLLED_OUT,
          FALSE,
          Reason.AwaitingVerification,
          rollout.exists()
              ? workload + " keep running " + rollout.image() + " until the new release is verified"
              : nodeRoll.isPresent()
                  ? "the FleetLM nodes are started once the migrations are verified"
                  : "the Deployment is created once the migrations are verified");
    }
    Reason waitingReason = verified ? Reason.RollingOut : migration.reason();
    String waitingMessage = verified ? rolloutProgress : migration.message();
    if (paused && !rolledOut && !stalled) {
      waitingReason = Reason.Paused;
      waitingMessage =
          "spec.paused is true; waiting to be resumed: "
              + (verified ? rolloutProgress : migration.message());
    }
    if (rolledOut) {
      conditions.set(
          ConditionType.READY, TRUE, Reason.Ready, targetImage + " is verified and rolled out");
    } else if (rollStalled) {
      conditions.set(ConditionType.READY, FALSE, stalledReason, stalledMessage);
    } else {
      conditions.set(ConditionType.READY, FALSE, waitingReason, waitingMessage);
    }
    boolean reconciling = !rolledOut && !stalled;
    conditions.set(
        ConditionType.RECONCILING,
        reconciling ? TRUE : FALSE,
        reconciling ? waitingReason : Reason.Idle,
        reconciling ? waitingMessage : "");
    conditions.set(
        ConditionType.STALLED,
        stalled ? TRUE : FALSE,
        stalled ? stalledReason : Reason.Progressing,
        stalled ? stalledMessage : "");
    if (paused) {
      conditions.set(
          ConditionType.PAUSED,
          TRUE,
          Reason.Paused,
          "spec.paused is true: no migration starts and the Deployment is not changed");
    }

    List<ReleaseCondition> list = conditions.list();
    FleetlmReleaseStatus status = new FleetlmReleaseStatus();
    status.setObservedGeneration(generation);
    status.setConditions(list);
    status.setPhase(phaseOf(list, migration));
    status.setTargetImage(targetImage);
    status.setCurrentImage(rollout.image());
    status.setTargetMigrationId(in.targetMigrationId());
    status.setVerifiedMigrationId(in.verifiedMigrationId());
    status.setDatabase(in.database());
    status.setSchemaVersion(
        migration.schemaVersion() != null
            ? migration.schemaVersion()
            : previous.getSchemaVersion());
    status.setMigrationJob(in.migrationJob());
    status.setFailureMessage(
        stalled ? (rollStalled ? stalledMessage : migration.failureMessage()) : null);
    status.setReplicas(rollout.exists() ? rollout.replicas() : null);
    status.setReadyReplicas(rollout.exists() ? rollout.ready() : null);
    status.setReady(rollout.ready() + "/" + rollout.wanted());
    status.setUpdatedReplicas(rollout.exists() ? rollout.updated() : null);
    status.setWarnings(SpecWarnings.of(release));
    status.setService(in.cluster().service());
    status.setHeadlessService(in.cluster().headlessService());
    status.setClusterMembers(
        in.cluster().service() == null
            ? null
            : nodeRoll.isPresent() ? rollout.available() : in.cluster().members());
    status.setLastNodeSerial(lastNodeSerial(previous, nodeRoll));
    status.setHistory(in.history());
    return status;
  }

  /**
   * A reconcile that failed with an exception. The rest of the status stays as last computed; the
   * kstatus conditions say what went wrong, and Stalled only once retrying has not helped.
   */
  public static FleetlmReleaseStatus error(
      FleetlmRelease release, Reason reason, String message, boolean stalled, Instant now) {
    FleetlmReleaseStatus previous = previousOf(release);
    long generation = generationOf(release);
    Conditions conditions = new Conditions(previous.getConditions(), generation, now);
    List<String> own =
        List.of(ConditionType.READY, ConditionType.RECONCILING, ConditionType.STALLED);
    for (ReleaseCondition kept : previous.getConditions()) {
      if (!own.contains(kept.getType())) {
        conditions.keep(kept);
      }
    }
    conditions.set(ConditionType.READY, FALSE, reason, message);
    conditions.set(
        ConditionType.RECONCILING,
        stalled ? FALSE : TRUE,
        stalled ? Reason.Idle : reason,
        stalled ? "" : "retrying: " + message);
    conditions.set(
        ConditionType.STALLED,
        stalled ? TRUE : FALSE,
        stalled ? reason : Reason.Progressing,
        stalled ? message : "");
    FleetlmReleaseStatus status = copyOf(previous);
    status.setObservedGeneration(generation);
    status.setConditions(conditions.list());
    status.setPhase(
        stalled ? Phase.Failed : Objects.requireNonNullElse(previous.getPhase(), Phase.Pending));
    status.setTargetImage(release.getSpec().getImage());
    status.setFailureMessage(stalled ? message : previous.getFailureMessage());
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

  /** Says which of Ready's requirements the Deployment does not meet yet. */
  private static String rolloutProgress(
      RolloutState rollout, String targetMigrationId, String targetImage, boolean clustered) {
    if (!rollout.exists()) {
      return "creating the Deployment for " + targetImage;
    }
    List<String> pending = new ArrayList<>();
    if (!rollout.runs(targetMigrationId, targetImage)) {
      pending.add("the Deployment runs " + rollout.image() + ", not " + targetImage);
    }
    if (rollout.replicas() != rollout.wanted() && clustered) {
      boolean joining = rollout.replicas() < rollout.wanted();
      pending.add(
          "FleetLM nodes "
              + (joining ? "join" : "leave")
              + " one at a time: the Deployment asks for "
              + rollout.replicas()
              + " of "
              + rollout.wanted()
              + " replicas, one "
              + (joining ? "more" : "fewer")
              + " once all of them are ready");
    } else if (rollout.replicas() != rollout.wanted()) {
      pending.add(
          "the Deployment asks for "
              + rollout.replicas()
              + " replicas, the spec for "
              + rollout.wanted());
    }
    if (!rollout.migrateOnBootOff()) {
      pending.add("the pod template does not set MIGRATE_ON_BOOT=false");
    }
    if (!rollout.observed()) {
      pending.add("the Deployment controller has not seen the latest change yet");
    }
    pending.add(rollout.describe());
    return String.join("; ", pending);
  }

  /**
   * The roll of FleetLM nodes the operator starts itself: True while a step waits on FleetLM or is
   * taken, with members joined/desired and the step (the group or node FleetLM has not settled).
   */
  private static void setClusterConverging(
      Conditions conditions, NodeRollProgress roll, boolean stalled) {
    if (roll.settled()) {
      conditions.set(
          ConditionType.CLUSTER_CONVERGING, FALSE, Reason.ClusterConverged, roll.describe());
    } else {
      conditions.set(
          ConditionType.CLUSTER_CONVERGING,
          TRUE,
          stalled ? roll.stalledReason() : Reason.ClusterConverging,
          roll.describe());
    }
  }

  /** Says which of Ready's requirements the FleetLM nodes do not meet yet, and the roll's step. */
  private static String nodeRollProgress(
      RolloutState rollout, NodeRollProgress roll, String targetMigrationId, String targetImage) {
    List<String> pending = new ArrayList<>();
    if (rollout.exists() && !rollout.runs(targetMigrationId, targetImage)) {
      pending.add("the newest FleetLM node runs " + rollout.image() + ", not " + targetImage);
    }
    pending.add(
        rollout.updated()
            + "/"
            + rollout.wanted()
            + " FleetLM nodes of the current release have joined their Raft groups, "
            + rollout.available()
            + " joined and Ready, "
            + rollout.total()
            + " pods in total");
    pending.add(roll.describe());
    return String.join("; ", pending);
  }

  private static void setMigrationSucceeded(Conditions conditions, MigrationProgress migration) {
    String type = ConditionType.MIGRATION_SUCCEEDED;
    switch (migration.stage()) {
      case BLOCKED, PAUSED, WAITING, WAITING_FOR_SUPERSEDED, MIGRATING, STALLED ->
          conditions.set(type, UNKNOWN, migration.reason(), migration.message());
      case MIGRATION_FAILED -> conditions.set(type, FALSE, migration.reason(), migration.message());
      case VERIFYING, VERIFICATION_FAILED, VERIFIED ->
          conditions.set(type, TRUE, Reason.MigrationCompleted, "the migration ran to completion");
    }
  }

  private static void setMigrationsVerified(Conditions conditions, MigrationProgress migration) {
    String type = ConditionType.MIGRATIONS_VERIFIED;
    switch (migration.stage()) {
      case BLOCKED, PAUSED, WAITING, WAITING_FOR_SUPERSEDED, MIGRATING, STALLED ->
          conditions.set(
              type, UNKNOWN, Reason.AwaitingMigration, "verification follows the migration");
      case MIGRATION_FAILED ->
          conditions.set(type, FALSE, Reason.MigrationFailed, "the migration did not complete");
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

  /** Only ever rises: a read of an older status must not lower it. */
  private static Integer lastNodeSerial(
      FleetlmReleaseStatus previous, Optional<NodeRollProgress> nodeRoll) {
    int recorded = Objects.requireNonNullElse(previous.getLastNodeSerial(), 0);
    int now = Math.max(recorded, nodeRoll.map(NodeRollProgress::lastSerial).orElse(0));
    return now == 0 ? null : now;
  }

  private static FleetlmReleaseStatus previousOf(FleetlmRelease release) {
    return Objects.requireNonNullElseGet(release.getStatus(), FleetlmReleaseStatus::new);
  }

  private static long generationOf(FleetlmRelease release) {
    return Objects.requireNonNullElse(release.getMetadata().getGeneration(), 0L);
  }

  private static FleetlmReleaseStatus copyOf(FleetlmReleaseStatus status) {
    return Serialization.clone(status);
  }
}
