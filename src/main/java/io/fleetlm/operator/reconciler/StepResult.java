package io.fleetlm.operator.reconciler;

import io.fleetlm.operator.rollout.MigrationProgress;
import io.fleetlm.operator.rollout.ReleaseHistory;
import java.time.Duration;

/**
 * What a migration step did: where the target stands, the history as it is now, which identity the
 * Deployment may run, and when to look again (zero: only when something changes).
 */
record StepResult(
    MigrationProgress progress,
    ReleaseHistory history,
    String verifiedId,
    boolean newlyVerified,
    Duration retryAfter) {

  static StepResult of(MigrationProgress progress, ReleaseHistory history, String verifiedId) {
    return new StepResult(progress, history, verifiedId, false, Duration.ZERO);
  }

  StepResult retryAfter(Duration delay) {
    return new StepResult(progress, history, verifiedId, newlyVerified, delay);
  }
}
