package io.fleetlm.operator.observability;

import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.Phase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Prometheus metrics about releases, migrations and verification. Per-release gauges are read from
 * the operator's cache of FleetlmReleases, so a deleted release disappears from them.
 */
public class ReleaseMetrics {

  private final MeterRegistry registry;
  private final MultiGauge schemaVersions;
  private volatile Supplier<Stream<FleetlmRelease>> releases = Stream::empty;

  public ReleaseMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (Phase phase : Phase.values()) {
      Gauge.builder("fleetlm_releases", () -> countIn(phase))
          .description("FleetlmReleases by phase")
          .tag("phase", phase.name())
          .register(registry);
    }
    this.schemaVersions =
        MultiGauge.builder("fleetlm_schema_version")
            .description("Newest applied schema version found at the last verification")
            .register(registry);
  }

  /** Where the per-release gauges read from: the controller's cache of releases. */
  public void readReleasesFrom(Supplier<Stream<FleetlmRelease>> cachedReleases) {
    this.releases = cachedReleases;
  }

  /** Ecto versions are timestamps such as 20251021155555; a double holds them exactly. */
  public void refreshSchemaVersions() {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    releases
        .get()
        .filter(r -> r.getStatus() != null && r.getStatus().getSchemaVersion() != null)
        .forEach(
            r -> {
              try {
                double version =
                    Double.parseDouble(r.getStatus().getSchemaVersion().replace('_', '.'));
                rows.add(
                    MultiGauge.Row.of(
                        Tags.of(
                            "namespace", r.getMetadata().getNamespace(),
                            "release", r.getMetadata().getName()),
                        version));
              } catch (NumberFormatException e) {
                // Flyway versions like 1.2.3 have no single number; they are left out.
              }
            });
    schemaVersions.register(rows, true);
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

  public void migrationFinished(Duration duration, String outcome) {
    Timer.builder("fleetlm_migration_duration_seconds")
        .description("From migration Job creation to its end")
        .tag("outcome", outcome)
        .register(registry)
        .record(duration);
  }

  public void rolloutFinished(Duration duration) {
    Timer.builder("fleetlm_rollout_duration_seconds")
        .description("From verification to every replica available on the new image")
        .register(registry)
        .record(duration);
  }

  private long countIn(Phase phase) {
    return releases
        .get()
        .filter(r -> r.getStatus() != null && r.getStatus().getPhase() == phase)
        .count();
  }
}
