package io.fleetlm.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.api.ReleaseOutcome;
import io.fleetlm.operator.api.ReleaseRecord;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReleaseHistoryTest {

  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

  @Test
  void newestFirstAndBoundedButPinnedRecordsStay() {
    ReleaseHistory history = ReleaseHistory.of(List.of());
    for (int i = 0; i < 15; i++) {
      history.started("id" + i, "img:" + i, i, "job" + i, NOW.plusSeconds(i));
    }
    List<ReleaseRecord> kept = history.records(Set.of("id14", "id0"));
    assertThat(kept).hasSize(ReleaseHistory.MAX_RECORDS);
    assertThat(kept.get(0).getMigrationId()).isEqualTo("id14");
    assertThat(kept).extracting(ReleaseRecord::getMigrationId).contains("id0");
  }

  @Test
  void inFlightReleasesAreSupersededFinishedOnesAreNot() {
    ReleaseHistory history = ReleaseHistory.of(List.of());
    history.started("done", "img:1", 1, "j1", NOW);
    history.mark("done", ReleaseOutcome.Verified, "1", "Verified", "ok", NOW);
    history.started("running", "img:2", 2, "j2", NOW);
    history.started("target", "img:3", 3, "j3", NOW);

    history.supersedeAllBut("target", 3, NOW);

    assertThat(history.find("done").orElseThrow().getOutcome()).isEqualTo(ReleaseOutcome.Verified);
    assertThat(history.find("running").orElseThrow().getOutcome())
        .isEqualTo(ReleaseOutcome.Superseded);
    assertThat(history.find("target").orElseThrow().getOutcome())
        .isEqualTo(ReleaseOutcome.Migrating);
  }

  @Test
  void neverChangesTheRecordsItWasGiven() {
    ReleaseRecord cached = new ReleaseRecord();
    cached.setMigrationId("a");
    cached.setOutcome(ReleaseOutcome.Migrating);
    ReleaseHistory.of(List.of(cached)).mark("a", ReleaseOutcome.Failed, null, "X", "m", NOW);
    assertThat(cached.getOutcome()).isEqualTo(ReleaseOutcome.Migrating);
  }
}
