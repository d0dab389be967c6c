package io.fleetlm.operator.status;

import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.kube.ReleaseFixture;
import io.fleetlm.operator.rollout.ClusterState;
import io.fleetlm.operator.rollout.MemberRoll;
import io.fleetlm.operator.rollout.MemberRoll.Await;
import io.fleetlm.operator.rollout.MemberRoll.Refused;
import io.fleetlm.operator.rollout.MigrationProgress;
import io.fleetlm.operator.rollout.MigrationProgress.Stage;
import io.fleetlm.operator.rollout.NodeRollProgress;
import io.fleetlm.operator.rollout.RolloutState;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A release whose Ready condition carries a given reason, with the status the operator computes for
 * it (StatusCalculator, not a hand-written one), for the clients that read status.
 */
public final class ReasonStatuses {

  private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");
  private static final String IMAGE = "ghcr.io/cpluss/fleetlm:main-1";
  private static final RolloutState DONE =
      new RolloutState(true, IMAGE, "target", 3, 3, 3, 3, 3, 3, true, true);
  private static final RolloutState HALF =
      new RolloutState(true, IMAGE, "target", 3, 3, 1, 2, 2, 4, true, true);

  private ReasonStatuses() {}

  /** Every reason Ready can carry: all but the details other conditions give. */
  public static Stream<Reason> readyReasons() {
    return Arrays.stream(Reason.values()).filter(r -> r.kind() != Reason.Kind.DETAIL);
  }

  /**
   * @param reason a reason of kind PROGRESSING, STALLED, FAILED or READY
   */
  public static FleetlmRelease withReadyReason(Reason reason) {
    FleetlmRelease release = ReleaseFixture.release("chat", IMAGE);
    release.getMetadata().setGeneration(1L);
    release.setStatus(status(release, reason));
    return release;
  }

  /** A verified release whose node roll takes this step, having waited so long. */
  private static io.fleetlm.operator.api.FleetlmReleaseStatus nodeRoll(
      FleetlmRelease release, MemberRoll.Step step, Duration waited) {
    return compute(
        release,
        Stage.VERIFIED,
        Reason.Verified,
        DONE,
        Optional.of(new NodeRollProgress(Optional.of(step), waited, Duration.ofMinutes(10), 3)));
  }

  private static io.fleetlm.operator.api.FleetlmReleaseStatus status(
      FleetlmRelease release, Reason reason) {
    return switch (reason) {
      case Ready -> compute(release, Stage.VERIFIED, Reason.Verified, DONE);
      case RollingOut -> compute(release, Stage.VERIFIED, Reason.Verified, HALF);
      case Paused -> {
        release.getSpec().setPaused(true);
        yield compute(release, Stage.PAUSED, Reason.Paused, HALF);
      }
      case ClusterNotConverging ->
          nodeRoll(
              release,
              new Await("FleetLM's groups to agree: Raft group 7 ..."),
              Duration.ofMinutes(11));
      case ClusterCannotShrink ->
          nodeRoll(release, new Refused("FleetLM cannot go from 2 nodes to 1 ..."), Duration.ZERO);
      case ReconcileError, InvalidPodTemplate ->
          StatusCalculator.error(release, reason, "the API server said no", true, NOW);
      default ->
          switch (reason.kind()) {
            case PROGRESSING -> compute(release, Stage.MIGRATING, reason, HALF);
            case STALLED -> compute(release, Stage.BLOCKED, reason, HALF);
            case FAILED -> compute(release, Stage.MIGRATION_FAILED, reason, HALF);
            case READY, DETAIL ->
                throw new IllegalArgumentException(reason + " is never Ready's reason");
          };
    };
  }

  private static io.fleetlm.operator.api.FleetlmReleaseStatus compute(
      FleetlmRelease release, Stage stage, Reason reason, RolloutState rollout) {
    return compute(release, stage, reason, rollout, Optional.empty());
  }

  private static io.fleetlm.operator.api.FleetlmReleaseStatus compute(
      FleetlmRelease release,
      Stage stage,
      Reason reason,
      RolloutState rollout,
      Optional<NodeRollProgress> nodeRoll) {
    return StatusCalculator.compute(
        new StatusInputs(
            release,
            "target",
            stage == Stage.VERIFIED ? "target" : null,
            "db:5432/chat",
            "chat-migrate-target",
            new MigrationProgress(stage, reason, "what happened", null, "details"),
            rollout,
            nodeRoll,
            new ClusterState(true, "chat", "chat-headless", 3, 3),
            List.of(),
            NOW));
  }
}
