package io.fleetlm.operator.observability;

import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.Phase;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Gauges of how the releases stand, read from the operator's cache of FleetlmReleases, so that a
 * deleted release disappears from them. Made once the cache exists, with the cache it reads.
 */
public final class ReleaseGauges {

  private final Supplier<Stream<FleetlmRelease>> releases;
  private final MultiGauge schemaVersions;

  public ReleaseGauges(MeterRegistry registry, Supplier<Stream<FleetlmRelease>> cachedReleases) {
    this.releases = cachedReleases;
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

  /**
   * Rebuilds the per-release schema gauge from the cache of releases, with the given release's
   * version as just written (the cache learns of the write a moment later). Ecto versions are
   * timestamps such as 20251021155555; a double holds them exactly.
   */
  public synchronized void refreshSchemaVersions(FleetlmRelease written, String schemaVersion) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    String namespace = written.getMetadata().getNamespace();
    String name = written.getMetadata().getName();
    addRow(rows, namespace, name, schemaVersion);
    releases
        .get()
        .filter(
            r ->
                !(namespace.equals(r.getMetadata().getNamespace())
                    && name.equals(r.getMetadata().getName())))
        .filter(r -> r.getStatus() != null)
        .forEach(
            r ->
                addRow(
                    rows,
                    r.getMetadata().getNamespace(),
                    r.getMetadata().getName(),
                    r.getStatus().getSchemaVersion()));
    schemaVersions.register(rows, true);
  }

  private static void addRow(
      List<MultiGauge.Row<?>> rows, String namespace, String release, String schemaVersion) {
    if (schemaVersion == null) {
      return;
    }
    try {
      double version = Double.parseDouble(schemaVersion.replace('_', '.'));
      rows.add(MultiGauge.Row.of(Tags.of("namespace", namespace, "release", release), version));
    } catch (NumberFormatException e) {
      // Flyway versions like 1.2.3 have no single number; they are left out.
    }
  }

  private long countIn(Phase phase) {
    return releases
        .get()
        .filter(r -> r.getStatus() != null && r.getStatus().getPhase() == phase)
        .count();
  }
}
