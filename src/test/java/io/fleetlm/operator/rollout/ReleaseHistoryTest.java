package io.fleetlm.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.api.Reason;
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
      history =
          history.started("id" + i, "img:" + i, i, "job" + i, NOW.plusSeconds(i), "db:5432/chat");
    }
    List<ReleaseRecord> kept = history.records(Set.of("id14", "id0"));
    assertThat(kept).hasSize(ReleaseHistory.MAX_RECORDS);
    assertThat(kept.get(0).migrationId()).isEqualTo("id14");
    assertThat(kept).extracting(ReleaseRecord::migrationId).contains("id0");
  }

  @Test
  void inFlightReleasesAreSupersededFinishedOnesAreNot() {
    ReleaseHistory history =
        ReleaseHistory.of(List.of())
            .started("done", "img:1", 1, "j1", NOW, "db:5432/chat")
            .mark("done", ReleaseOutcome.Verified, "1", Reason.Verified, "ok", NOW)
            .started("running", "img:2", 2, "j2", NOW, "db:5432/chat")
            .started("target", "img:3", 3, "j3", NOW, "db:5432/chat")
            .supersedeAllBut("target", 3, NOW);

    assertThat(history.find("done").orElseThrow().outcome()).isEqualTo(ReleaseOutcome.Verified);
    assertThat(history.find("running").orElseThrow().outcome())
        .isEqualTo(ReleaseOutcome.Superseded);
    assertThat(history.find("target").orElseThrow().outcome()).isEqualTo(ReleaseOutcome.Migrating);
  }

  @Test
  void changesMakeANewHistoryAndLeaveTheOldOneAsItWas() {
    ReleaseHistory cached =
        ReleaseHistory.of(
            List.of(ReleaseRecord.started("a", "img:1", 1L, "j", NOW.toString(), "db:5432/chat")));
    ReleaseHistory failed =
        cached.mark("a", ReleaseOutcome.Failed, null, Reason.MigrationJobFailed, "m", NOW);
    assertThat(cached.find("a").orElseThrow().outcome()).isEqualTo(ReleaseOutcome.Migrating);
    assertThat(failed.find("a").orElseThrow().outcome()).isEqualTo(ReleaseOutcome.Failed);
    assertThat(failed.find("a").orElseThrow().finishedAt()).isEqualTo(NOW.toString());
  }

  @Test
  void aMarkKeepsEveryOtherFieldOfTheRecord() {
    ReleaseHistory history =
        ReleaseHistory.of(List.of())
            .started("a", "img:1", 4, "job-a", NOW, "db:5432/chat")
            .mark("a", ReleaseOutcome.Verified, "1001", Reason.Verified, "ok", NOW.plusSeconds(5))
            .mark(
                "a",
                ReleaseOutcome.Failed,
                null,
                Reason.MigrationJobFailed,
                "m",
                NOW.plusSeconds(9));
    ReleaseRecord record = history.find("a").orElseThrow();
    assertThat(record.image()).isEqualTo("img:1");
    assertThat(record.generation()).isEqualTo(4L);
    assertThat(record.jobName()).isEqualTo("job-a");
    assertThat(record.startedAt()).isEqualTo(NOW.toString());
    assertThat(record.schemaVersion())
        .as("a null version keeps the recorded one")
        .isEqualTo("1001");
  }

  @Test
  void migratedIsAWaypointWithoutAFinishingTime() {
    ReleaseHistory history =
        ReleaseHistory.of(List.of())
            .started("a", "img:1", 1, "j", NOW, "db:5432/chat")
            .mark("a", ReleaseOutcome.Migrated, null, null, null, NOW.plusSeconds(3));
    assertThat(history.find("a").orElseThrow().finishedAt()).isNull();
  }
}
