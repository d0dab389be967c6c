package io.fleetlm.operator.observability;

import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.Phase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/** Prometheus metrics about releases, migrations and verification. */
public class ReleaseMetrics {

  private final MeterRegistry registry;
  private final Map<String, Phase> phases = new ConcurrentHashMap<>();
  private final Map<String, AtomicReference<Double>> schemaVersions = new ConcurrentHashMap<>();

  public ReleaseMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (Phase phase : Phase.values()) {
      Gauge.builder(
              "fleetlm_releases", phases, p -> p.values().stream().filter(phase::equals).count())
          .description("FleetlmReleases by phase")
          .tag("phase", phase.name())
          .register(registry);
    }
  }

  public void phase(FleetlmRelease release, Phase phase) {
    phases.put(key(release), phase);
  }

  public void forget(FleetlmRelease release) {
    phases.remove(key(release));
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

  /** Ecto versions are timestamps such as 20251021155555; a double holds them exactly. */
  public void schemaVersion(FleetlmRelease release, String version) {
    double value;
    try {
      value = Double.parseDouble(version.replace('_', '.'));
    } catch (NumberFormatException | NullPointerException e) {
      return;
    }
    schemaVersions
        .computeIfAbsent(
            key(release),
            k -> {
              AtomicReference<Double> holder = new AtomicReference<>(value);
              Gauge.builder("fleetlm_schema_version", holder, AtomicReference::get)
                  .description("Newest applied schema version found at the last verification")
                  .tags(
                      Tags.of(
                          "namespace",
                          release.getMetadata().getNamespace(),
                          "release",
                          release.getMetadata().getName()))
                  .register(registry);
              return holder;
            })
        .set(value);
  }

  private static String key(FleetlmRelease release) {
    return release.getMetadata().getNamespace() + "/" + release.getMetadata().getName();
  }
}
