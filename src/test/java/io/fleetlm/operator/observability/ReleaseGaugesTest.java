package io.fleetlm.operator.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseStatus;
import io.fleetlm.operator.api.Phase;
import io.fleetlm.operator.kube.ReleaseFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gauges read the cache they were made with: a release that leaves it leaves them. */
class ReleaseGaugesTest {

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<FleetlmRelease> cache = new ArrayList<>();
  private final ReleaseGauges gauges =
      new ReleaseMetrics(meters).gaugesOf(() -> List.copyOf(cache).stream());

  @Test
  void releasesByPhaseFollowTheCache() {
    cache.add(release("chat", Phase.Ready, "20251019063736"));
    cache.add(release("search", Phase.Migrating, null));
    assertThat(phase(Phase.Ready)).isEqualTo(1.0);
    assertThat(phase(Phase.Migrating)).isEqualTo(1.0);

    cache.remove(0);
    assertThat(phase(Phase.Ready)).as("a deleted release is not counted").isZero();
  }

  @Test
  void schemaVersionsAreRebuiltWithTheWrittenReleaseAsWritten() {
    cache.add(release("chat", Phase.Migrating, null));
    cache.add(release("search", Phase.Ready, "20251001063431"));

    gauges.refreshSchemaVersions(cache.get(0), "20251019063736");

    assertThat(schemaVersion("chat")).isEqualTo(20251019063736.0);
    assertThat(schemaVersion("search")).isEqualTo(20251001063431.0);
  }

  private double phase(Phase phase) {
    return meters.get("fleetlm_releases").tag("phase", phase.name()).gauge().value();
  }

  private double schemaVersion(String release) {
    return meters.get("fleetlm_schema_version").tag("release", release).gauge().value();
  }

  private static FleetlmRelease release(String name, Phase phase, String schemaVersion) {
    FleetlmRelease release = ReleaseFixture.release(name, "ghcr.io/cpluss/fleetlm:main-1");
    FleetlmReleaseStatus status = new FleetlmReleaseStatus();
    status.setPhase(phase);
    status.setSchemaVersion(schemaVersion);
    release.setStatus(status);
    return release;
  }
}
