package io.fleetlm.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseStatus;
import io.fleetlm.operator.api.Phase;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.kube.ReleaseFixture;
import io.fleetlm.operator.rollout.ClusterState;
import io.fleetlm.operator.rollout.MemberRoll.Await;
import io.fleetlm.operator.rollout.MemberRoll.Settled;
import io.fleetlm.operator.rollout.MigrationProgress;
import io.fleetlm.operator.rollout.MigrationProgress.Stage;
import io.fleetlm.operator.rollout.NodeRollProgress;
import io.fleetlm.operator.rollout.RolloutState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusCalculatorTest {

  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final RolloutState NONE = RolloutState.of(java.util.Optional.empty(), 3);
  private static final RolloutState DONE =
      new RolloutState(true, "fleetlm:1", "target", 3, 3, 3, 3, 3, 3, true, true);
  private static final RolloutState OLD_DONE =
      new RolloutState(true, "fleetlm:0", "previous", 3, 3, 3, 3, 3, 3, true, true);
  private static final RolloutState HALF =
      new RolloutState(true, "fleetlm:1", "target", 3, 3, 1, 2, 2, 4, true, true);

  private final FleetlmRelease release = ReleaseFixture.release("chat", "fleetlm:1");

  /** Cluster members the EndpointSlices show; all 3 unless a test says otherwise. */
  private int members = 3;

  @ParameterizedTest
  @CsvSource({
    "BLOCKED, Failed",
    "PAUSED, Pending",
    "WAITING_FOR_SUPERSEDED, Migrating",
    "MIGRATING, Migrating",
    "MIGRATION_FAILED, Failed",
    "VERIFYING, Verifying",
    "VERIFICATION_FAILED, Failed",
  })
  void phaseFollowsTheMigrationStage(Stage stage, Phase phase) {
    assertThat(compute(stage, OLD_DONE).getPhase()).isEqualTo(phase);
  }

  @Test
  void verifiedButNotRolledOutIsRollingOutThenReady() {
    assertThat(compute(Stage.VERIFIED, HALF).getPhase()).isEqualTo(Phase.RollingOut);
    assertThat(compute(Stage.VERIFIED, NONE).getPhase()).isEqualTo(Phase.RollingOut);
    FleetlmReleaseStatus ready = compute(Stage.VERIFIED, DONE);
    assertThat(ready.getPhase()).isEqualTo(Phase.Ready);
    assertThat(status(ready, ConditionType.READY)).isEqualTo("True");
    assertThat(status(ready, ConditionType.RECONCILING)).isEqualTo("False");
    assertThat(status(ready, ConditionType.STALLED)).isEqualTo("False");
  }

  @Test
  void aRolledOutDeploymentIsNotReadyUntilEveryPodIsAClusterMember() {
    members = 2;
    FleetlmReleaseStatus status = compute(Stage.VERIFIED, DONE);

    assertThat(status(status, ConditionType.READY)).isEqualTo("False");
    assertThat(condition(status, ConditionType.READY).getMessage())
        .isEqualTo("2/3 pods are cluster members (serving endpoints of Service chat-headless)");
    assertThat(status.getClusterMembers()).isEqualTo(2);
    assertThat(status.getHeadlessService()).isEqualTo("chat-headless");

    members = 3;
    assertThat(status(compute(Stage.VERIFIED, DONE), ConditionType.READY)).isEqualTo("True");
  }

  @Test
  void aCompleteRolloutOfTheOldReleaseIsNotReadyForTheNewOne() {
    FleetlmReleaseStatus status = compute(Stage.VERIFIED, OLD_DONE);
    assertThat(status.getPhase()).isEqualTo(Phase.RollingOut);
    assertThat(status(status, ConditionType.ROLLED_OUT)).isEqualTo("False");
  }

  @ParameterizedTest
  @CsvSource({
    // what an edit of the Deployment changed: image, replicas, MIGRATE_ON_BOOT, generation seen
    "fleetlm:9, 3, true, true",
    "fleetlm:1, 0, true, true",
    "fleetlm:1, 3, false, true",
    "fleetlm:1, 3, true, false",
  })
  void readyNeedsTheDeploymentToDoWhatTheSpecSays(
      String image, int replicas, boolean migrateOnBootOff, boolean observed) {
    RolloutState edited =
        new RolloutState(
            true, image, "target", 3, replicas, 3, 3, 3, 3, observed, migrateOnBootOff);
    FleetlmReleaseStatus status = compute(Stage.VERIFIED, edited);
    assertThat(status(status, ConditionType.READY)).isEqualTo("False");
    assertThat(status(status, ConditionType.RECONCILING)).isEqualTo("True");
    assertThat(status.getPhase()).isEqualTo(Phase.RollingOut);
  }

  @Test
  void aClusterGrowingOneNodeAtATimeSaysSoAndIsNotReady() {
    RolloutState growing =
        new RolloutState(true, "fleetlm:1", "target", 3, 2, 2, 1, 1, 2, true, true);
    FleetlmReleaseStatus status = compute(Stage.VERIFIED, growing);
    assertThat(status(status, ConditionType.READY)).isEqualTo("False");
    assertThat(condition(status, ConditionType.READY).getMessage())
        .contains("FleetLM nodes join one at a time: the Deployment asks for 2 of 3 replicas");
  }

  @Test
  void pausedWithAChangePendingIsNotReadyAndStillReconcilingForKstatus() {
    release.getSpec().setPaused(true);
    FleetlmReleaseStatus status = compute(Stage.PAUSED, OLD_DONE);
    assertThat(status(status, ConditionType.READY)).isEqualTo("False");
    assertThat(condition(status, ConditionType.READY).getReason()).isEqualTo("Paused");
    assertThat(status(status, ConditionType.RECONCILING)).isEqualTo("True");
    assertThat(status(status, ConditionType.STALLED)).isEqualTo("False");
    assertThat(status(status, ConditionType.PAUSED)).isEqualTo("True");
  }

  @Test
  void pausedWithNothingPendingStaysReady() {
    release.getSpec().setPaused(true);
    FleetlmReleaseStatus status = compute(Stage.VERIFIED, DONE);
    assertThat(status(status, ConditionType.READY)).isEqualTo("True");
    assertThat(status(status, ConditionType.RECONCILING)).isEqualTo("False");
    assertThat(status(status, ConditionType.PAUSED)).isEqualTo("True");
  }

  @Test
  void anErrorSaysWhyAndStallsOnlyWhenAskedTo() {
    release.setStatus(compute(Stage.VERIFIED, DONE));
    FleetlmReleaseStatus retrying =
        StatusCalculator.error(release, Reason.ReconcileError, "boom", false, T0.plusSeconds(5));
    assertThat(status(retrying, ConditionType.READY)).isEqualTo("False");
    assertThat(status(retrying, ConditionType.RECONCILING)).isEqualTo("True");
    assertThat(status(retrying, ConditionType.STALLED)).isEqualTo("False");
    assertThat(status(retrying, ConditionType.MIGRATIONS_VERIFIED)).isEqualTo("True");
    assertThat(retrying.getVerifiedMigrationId())
        .isEqualTo(release.getStatus().getVerifiedMigrationId());

    FleetlmReleaseStatus stalled =
        StatusCalculator.error(
            release, Reason.InvalidPodTemplate, "refused", true, T0.plusSeconds(5));
    assertThat(status(stalled, ConditionType.STALLED)).isEqualTo("True");
    assertThat(condition(stalled, ConditionType.STALLED).getReason())
        .isEqualTo("InvalidPodTemplate");
    assertThat(stalled.getPhase()).isEqualTo(Phase.Failed);
    assertThat(stalled.getFailureMessage()).isEqualTo("refused");
  }

  @Test
  void failuresAreStalledNotReconcilingWithTheFailureMessage() {
    FleetlmReleaseStatus failed = compute(Stage.MIGRATION_FAILED, OLD_DONE);
    assertThat(status(failed, ConditionType.STALLED)).isEqualTo("True");
    assertThat(status(failed, ConditionType.RECONCILING)).isEqualTo("False");
    assertThat(status(failed, ConditionType.MIGRATION_SUCCEEDED)).isEqualTo("False");
    assertThat(failed.getFailureMessage()).isEqualTo("details");
    assertThat(failed.getCurrentImage()).isEqualTo("fleetlm:0");
  }

  @Test
  void everyConditionCarriesTheGeneration() {
    release.getMetadata().setGeneration(7L);
    FleetlmReleaseStatus status = compute(Stage.MIGRATING, NONE);
    assertThat(status.getObservedGeneration()).isEqualTo(7L);
    assertThat(status.getConditions())
        .hasSize(6)
        .allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(7L));
  }

  @Test
  void transitionTimeChangesOnlyWhenTheStatusFlips() {
    release.setStatus(compute(Stage.MIGRATING, NONE));
    FleetlmReleaseStatus later =
        StatusCalculator.compute(inputs(Stage.VERIFYING, NONE, T0.plusSeconds(60)));
    assertThat(condition(later, ConditionType.READY).getLastTransitionTime())
        .isEqualTo(T0.toString());
    assertThat(condition(later, ConditionType.MIGRATION_SUCCEEDED).getLastTransitionTime())
        .isEqualTo(T0.plusSeconds(60).toString());
  }

  /**
   * The nodes the operator starts itself: Ready only once the roll is settled, even when every
   * count looks done; a wait past the deadline is Stalled, except while paused (no step is taken).
   */
  @Test
  void withNodesReadyWaitsForTheSettledRollAndAWaitPastTheDeadlineStallsUnlessPaused() {
    Await stuck = new Await("FleetLM's groups to agree: Raft group 7 still lists n1");
    Duration deadline = Duration.ofMinutes(10);

    FleetlmReleaseStatus waiting =
        computeWithNodes(new NodeRollProgress(Optional.of(stuck), Duration.ZERO, deadline, 3));
    assertThat(status(waiting, ConditionType.READY)).isEqualTo("False");
    assertThat(condition(waiting, ConditionType.READY).getMessage()).contains("Raft group 7");
    assertThat(status(waiting, ConditionType.CLUSTER_CONVERGING)).isEqualTo("True");
    assertThat(status(waiting, ConditionType.STALLED)).isEqualTo("False");

    NodeRollProgress past =
        new NodeRollProgress(Optional.of(stuck), Duration.ofMinutes(11), deadline, 3);
    FleetlmReleaseStatus stalled = computeWithNodes(past);
    assertThat(condition(stalled, ConditionType.STALLED).getReason())
        .isEqualTo("ClusterNotConverging");
    assertThat(stalled.getPhase()).isEqualTo(Phase.Failed);
    assertThat(stalled.getFailureMessage()).contains("Raft group 7");

    release.getSpec().setPaused(true);
    assertThat(status(computeWithNodes(past), ConditionType.STALLED)).isEqualTo("False");

    release.getSpec().setPaused(false);
    FleetlmReleaseStatus settled =
        computeWithNodes(
            new NodeRollProgress(Optional.of(new Settled()), Duration.ZERO, deadline, 3));
    assertThat(settled.getPhase()).isEqualTo(Phase.Ready);
    assertThat(condition(settled, ConditionType.CLUSTER_CONVERGING).getReason())
        .isEqualTo("ClusterConverged");
  }

  /**
   * The serial a new node is numbered above is recorded, and a pass that saw less never lowers it.
   */
  @Test
  void theLastNodeSerialIsRecordedAndNeverLowered() {
    Duration deadline = Duration.ofMinutes(10);
    FleetlmReleaseStatus recorded =
        computeWithNodes(
            new NodeRollProgress(Optional.of(new Settled()), Duration.ZERO, deadline, 6));
    assertThat(recorded.getLastNodeSerial()).isEqualTo(6);

    release.setStatus(recorded);
    assertThat(computeWithNodes(NodeRollProgress.notJudged(4)).getLastNodeSerial()).isEqualTo(6);
  }

  private FleetlmReleaseStatus computeWithNodes(NodeRollProgress roll) {
    StatusInputs in = inputs(Stage.VERIFIED, DONE, T0);
    return StatusCalculator.compute(
        new StatusInputs(
            in.release(),
            in.targetMigrationId(),
            in.verifiedMigrationId(),
            in.database(),
            in.migrationJob(),
            in.migration(),
            in.rollout(),
            Optional.of(roll),
            in.cluster(),
            in.history(),
            in.now()));
  }

  private FleetlmReleaseStatus compute(Stage stage, RolloutState rollout) {
    return StatusCalculator.compute(inputs(stage, rollout, T0));
  }

  private StatusInputs inputs(Stage stage, RolloutState rollout, Instant now) {
    MigrationProgress progress =
        new MigrationProgress(stage, Reason.MigrationRunning, "some message", null, "details");
    return new StatusInputs(
        release,
        "target",
        null,
        "db:5432/chat",
        "chat-migrate-target",
        progress,
        rollout,
        Optional.empty(),
        new ClusterState(true, "chat", "chat-headless", members, rollout.wanted()),
        List.of(),
        now);
  }

  private static String status(FleetlmReleaseStatus status, String type) {
    return condition(status, type).getStatus();
  }

  private static ReleaseCondition condition(FleetlmReleaseStatus status, String type) {
    return status.getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow();
  }
}
