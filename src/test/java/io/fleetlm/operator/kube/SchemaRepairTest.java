package io.fleetlm.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.api.ReleaseRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaRepairTest {

  private static final String ID = "0a1b2c3d4e-9f8e7d6c";

  @Test
  void withoutRepairsTheReleaseAnswersToItsOwnIdentityAndTheFirstRepairIsOne() {
    assertThat(SchemaRepair.current(ID, List.of())).isEqualTo(ID);
    assertThat(SchemaRepair.current(ID, null)).isEqualTo(ID);
    assertThat(SchemaRepair.next(ID, List.of(record(ID)))).isEqualTo(ID + "-r1");
  }

  @Test
  void theNewestRecordedRepairIsCurrentEvenWhenOlderOnesWereTrimmedFromTheHistory() {
    List<ReleaseRecord> history = List.of(record(ID + "-r3"), record(ID + "-r12"), record(ID));

    assertThat(SchemaRepair.current(ID, history)).isEqualTo(ID + "-r12");
    assertThat(SchemaRepair.next(ID, history)).isEqualTo(ID + "-r13");
  }

  @Test
  void repairsOfAnotherIdentityDoNotCount() {
    List<ReleaseRecord> history = List.of(record("ffffffffff-r4"), record(ID + "x-r2"));

    assertThat(SchemaRepair.current(ID, history)).isEqualTo(ID);
    assertThat(SchemaRepair.next(ID, history)).isEqualTo(ID + "-r1");
  }

  @Test
  void podsAreLabelledWithTheIdentityTheRepairRepaired() {
    assertThat(SchemaRepair.podIdentity(ID + "-r2")).isEqualTo(ID);
    assertThat(SchemaRepair.podIdentity(ID)).isEqualTo(ID);
    assertThat(SchemaRepair.podIdentity("0a1b2c3d4e-unread")).isEqualTo("0a1b2c3d4e-unread");
    assertThat(SchemaRepair.podIdentity(null)).isNull();
  }

  private static ReleaseRecord record(String id) {
    return ReleaseRecord.started(
        id, "img:1", 1L, "chat-migrate-" + id, "2026-12-07T00:00:00Z", "db");
  }
}
