package io.fleetlm.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fleetlm.operator.gitops.ArgoCdHealth;
import io.fleetlm.operator.observability.ReleaseMetrics;
import io.fleetlm.operator.status.ReasonStatuses;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every reason means to the clients that read status what its kind says, and is counted where its
 * metric says: the pinned contract behind dashboards, alerts and GitOps health.
 */
class ReasonTest {

  private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");

  @ParameterizedTest
  @MethodSource("io.fleetlm.operator.status.ReasonStatuses#readyReasons")
  void asReadysReasonEachMeansWhatItsKindSaysToArgoCd(Reason reason) throws IOException {
    FleetlmRelease release = ReasonStatuses.withReadyReason(reason);
    assertThat(condition(release, "Ready").getReason()).isEqualTo(reason.name());

    String argo =
        ArgoCdHealth.of(new ObjectMapper().readTree(Serialization.asJson(release))).status();
    String stalled = condition(release, "Stalled").getStatus();
    switch (reason.kind()) {
      case PROGRESSING -> {
        assertThat(argo).isEqualTo(reason == Reason.Paused ? "Suspended" : "Progressing");
        assertThat(stalled).isEqualTo("False");
        assertThat(condition(release, "Reconciling").getStatus()).isEqualTo("True");
      }
      case STALLED, FAILED -> {
        assertThat(argo).isEqualTo("Degraded");
        assertThat(stalled).isEqualTo("True");
        assertThat(release.getStatus().getPhase()).isEqualTo(Phase.Failed);
      }
      case READY -> {
        assertThat(argo).isEqualTo("Healthy");
        assertThat(condition(release, "Ready").getStatus()).isEqualTo("True");
      }
      case DETAIL -> throw new AssertionError("not a Ready reason: " + reason);
    }
  }

  @ParameterizedTest
  @MethodSource("io.fleetlm.operator.status.ReasonStatuses#readyReasons")
  void everyStopIsCountedAsAReleaseFailureAndNothingElseIs(Reason reason) {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    FleetlmRelease release = ReasonStatuses.withReadyReason(reason);
    new ReleaseMetrics(meters).observe(null, release.getStatus(), NOW);

    double counted =
        meters
            .find("fleetlm_release_failures_total")
            .tag("reason", reason.name())
            .counters()
            .stream()
            .mapToDouble(c -> c.count())
            .sum();
    assertThat(counted).isEqualTo(reason.kind().stops() ? 1.0 : 0.0);
    if (reason.kind().stops()) {
      assertThat(reason.metric())
          .as("%s stops, so its metric must name a failure", reason)
          .isNotIn(Reason.Metric.NONE, Reason.Metric.ROLLOUT);
    }
  }

  @ParameterizedTest
  @EnumSource(Reason.class)
  void aJobThatEndsWithAMigrationFailureReasonIsAFailedMigration(Reason reason) {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    FleetlmReleaseStatus before = withRecord(ReleaseOutcome.Migrating, null);
    FleetlmReleaseStatus after = withRecord(ReleaseOutcome.Failed, reason.name());

    new ReleaseMetrics(meters).observe(before, after, NOW);

    long failed =
        meters.find("fleetlm_migration_duration_seconds").tag("outcome", "failed").timers().stream()
            .mapToLong(t -> t.count())
            .sum();
    assertThat(failed).isEqualTo(reason.metric() == Reason.Metric.MIGRATION_FAILURE ? 1 : 0);
  }

  @ParameterizedTest
  @EnumSource(Reason.class)
  void aVerificationThatFindsAVerificationFailureReasonIsCounted(Reason reason) {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    FleetlmReleaseStatus after = new FleetlmReleaseStatus();
    after.setConditions(
        List.of(
            new ReleaseCondition(
                "MigrationsVerified", "False", 1L, NOW.toString(), reason.name(), "m")));

    new ReleaseMetrics(meters).observe(null, after, NOW);

    assertThat(
            meters
                .find("fleetlm_verification_failures_total")
                .tag("reason", reason.name())
                .counters())
        .hasSize(reason.metric() == Reason.Metric.VERIFICATION_FAILURE ? 1 : 0);
  }

  @Test
  void theReadmeListsEveryReasonWithItsKind() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    Matcher row = Pattern.compile("(?m)^\\| `(\\w+)` \\| (\\w+) \\|").matcher(readme);
    List<String> documented = new java.util.ArrayList<>();
    while (row.find()) {
      Reason.parse(row.group(1))
          .ifPresent(
              reason -> {
                assertThat(row.group(2))
                    .as("kind of %s in the README", reason)
                    .isEqualToIgnoringCase(reason.kind().name());
                documented.add(reason.name());
              });
    }
    assertThat(documented)
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(Reason.values()).map(Reason::name).toList());
  }

  private static FleetlmReleaseStatus withRecord(ReleaseOutcome outcome, String reason) {
    FleetlmReleaseStatus status = new FleetlmReleaseStatus();
    status.setTargetMigrationId("target");
    status.setHistory(
        List.of(
            ReleaseRecord.started(
                    "target",
                    "img:1",
                    1L,
                    "chat-migrate-target",
                    NOW.minusSeconds(30).toString(),
                    "db:5432/chat")
                .at(outcome, null, reason, "m", NOW.toString())));
    return status;
  }

  private static ReleaseCondition condition(FleetlmRelease release, String type) {
    return release.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow();
  }
}
