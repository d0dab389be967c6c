package io.fleetlm.operator.observability;

import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseStatus;
import io.fleetlm.operator.api.Phase;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.api.ReleaseOutcome;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.status.ConditionType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Prometheus counters and timers of what happened to releases: failures, migrations, verification,
 * rollouts, lost Events. Gauges of how releases stand are {@link ReleaseGauges}.
 */
public class ReleaseMetrics {

  private final MeterRegistry registry;

  public ReleaseMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Times the steps of one reconcile pass, from now. */
  public ReconcileSteps passStarted() {
    return new ReconcileSteps(registry, System::nanoTime);
  }

  /** The gauges of how releases stand, read from the given cache, in the same registry. */
  public ReleaseGauges gaugesOf(Supplier<Stream<FleetlmRelease>> cachedReleases) {
    return new ReleaseGauges(registry, cachedReleases);
  }

  /**
   * Counts and times what changed between two statuses of one release. Called only after {@code
   * after} was written over {@code before} (the write carries before's resourceVersion, so before
   * was what the API server held): each outcome is counted by the one write that records it, and a
   * migration whose start was never written (it failed first) is counted all the same.
   */
  public void observe(FleetlmReleaseStatus before, FleetlmReleaseStatus after, Instant now) {
    FleetlmReleaseStatus old = Objects.requireNonNullElseGet(before, FleetlmReleaseStatus::new);
    if (after.getPhase() == Phase.Failed && old.getPhase() != Phase.Failed) {
      ReleaseEvents.condition(after, ConditionType.READY)
          .ifPresent(ready -> failure(ready.getReason()));
    }
    if (after.getPhase() == Phase.Ready && old.getPhase() != Phase.Ready) {
      record(after, after.getVerifiedMigrationId())
          .map(ReleaseRecord::finishedAt)
          .filter(Objects::nonNull)
          .ifPresent(
              verifiedAt -> rolloutFinished(Duration.between(Instant.parse(verifiedAt), now)));
    }
    String target = after.getTargetMigrationId();
    Optional<ReleaseRecord> was = record(old, target);
    Optional<ReleaseRecord> is = record(after, target);
    if (was.map(r -> r.outcome() == ReleaseOutcome.Migrating).orElse(true) && is.isPresent()) {
      ReleaseRecord finished = is.get();
      String outcome =
          switch (finished.outcome()) {
            case Migrated, Verified -> "succeeded";
            case Failed ->
                countedAs(finished.reason(), Reason.Metric.MIGRATION_FAILURE) ? "failed" : null;
            default -> null;
          };
      if (outcome != null && finished.startedAt() != null) {
        migrationFinished(
            Duration.between(Instant.parse(finished.startedAt()), now),
            outcome,
            finished.rollbackTo() == null ? "up" : "down");
      }
    }
    Optional<ReleaseCondition> verifiedBefore =
        ReleaseEvents.condition(old, ConditionType.MIGRATIONS_VERIFIED);
    ReleaseEvents.condition(after, ConditionType.MIGRATIONS_VERIFIED)
        .filter(c -> !"True".equals(c.getStatus()))
        .filter(c -> countedAs(c.getReason(), Reason.Metric.VERIFICATION_FAILURE))
        .filter(
            c ->
                verifiedBefore
                    .map(
                        b ->
                            !Objects.equals(b.getReason(), c.getReason())
                                || !Objects.equals(b.getMessage(), c.getMessage()))
                    .orElse(true))
        .ifPresent(c -> verificationFailure(c.getReason()));
  }

  private static boolean countedAs(String reason, Reason.Metric metric) {
    return Reason.parse(reason).map(r -> r.metric() == metric).orElse(false);
  }

  private static Optional<ReleaseRecord> record(FleetlmReleaseStatus status, String migrationId) {
    if (migrationId == null) {
      return Optional.empty();
    }
    return Objects.requireNonNullElse(status.getHistory(), List.<ReleaseRecord>of()).stream()
        .filter(r -> migrationId.equals(r.migrationId()))
        .findFirst();
  }

  public void failure(String reason) {
    Counter.builder("fleetlm_release_failures_total")
        .description("Releases that stopped, by reason")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  public void verificationFailure(String reason) {
    Counter.builder("fleetlm_verification_failures_total")
        .description("Verifications that found the database lacking, or could not read it")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  /**
   * @param direction up for a migration, down for a rollback
   */
  public void migrationFinished(Duration duration, String outcome, String direction) {
    Timer.builder("fleetlm_migration_duration_seconds")
        .description("From migration (or rollback) Job creation to its end")
        .tag("outcome", outcome)
        .tag("direction", direction)
        .register(registry)
        .record(duration);
  }

  /** An Event that never reached the API server. */
  public void eventLost(String cause) {
    Counter.builder("fleetlm_events_lost_total")
        .description("Events the operator could not write, by cause (queue_full, refused)")
        .tag("cause", cause)
        .register(registry)
        .increment();
  }

  public void rolloutFinished(Duration duration) {
    Timer.builder("fleetlm_rollout_duration_seconds")
        .description("From verification to every replica available on the new image")
        .register(registry)
        .record(duration);
  }
}
