package io.fleetlm.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.api.ReleaseOutcome;
import io.fleetlm.operator.api.ReleaseRecord;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DatabaseScopeTest {

  private static final String ID = "0123456789";

  @Test
  void eachDatabaseGetsItsOwnIdentity() {
    String a = DatabaseScope.of(ID, Optional.of("db:5432/chat"), List.of());
    String b = DatabaseScope.of(ID, Optional.of("restored:5432/chat"), List.of());

    assertThat(a).startsWith(ID + "-").isNotEqualTo(b);
    assertThat(DatabaseScope.of(ID, Optional.of("db:5432/chat"), List.of())).isEqualTo(a);
  }

  @Test
  void aRecordFromBeforeDatabasesWereRecordedKeepsItsIdentityForTheDatabaseNamedNow() {
    List<ReleaseRecord> legacy = List.of(verified(ID, null));

    assertThat(DatabaseScope.of(ID, Optional.of("db:5432/chat"), legacy)).isEqualTo(ID);
  }

  @Test
  void onceAdoptedTheBareIdentityHoldsForThatDatabaseOnly() {
    List<ReleaseRecord> adopted = List.of(verified(ID, "db:5432/chat"));

    assertThat(DatabaseScope.of(ID, Optional.of("db:5432/chat"), adopted)).isEqualTo(ID);
    assertThat(DatabaseScope.of(ID, Optional.of("other:5432/chat"), adopted))
        .isEqualTo(DatabaseScope.of(ID, Optional.of("other:5432/chat"), List.of()));
  }

  @Test
  void aDatabaseThatCannotBeReadMatchesNoRecord() {
    List<ReleaseRecord> legacy = List.of(verified(ID, null));

    assertThat(DatabaseScope.of(ID, Optional.empty(), legacy)).isEqualTo(ID + "-unread");
  }

  @Test
  void theIdentityFitsALabelValue() {
    assertThat(DatabaseScope.of(ID, Optional.of("x".repeat(300) + ":5432/db"), List.of()))
        .hasSizeLessThanOrEqualTo(63)
        .matches("[a-z0-9-]+");
  }

  private static ReleaseRecord verified(String id, String database) {
    return ReleaseRecord.started(
            id, "img:1", 1L, "chat-migrate-" + id, "2026-01-01T00:00:00Z", database)
        .at(ReleaseOutcome.Verified, "1001", null, null, "2026-01-01T00:01:00Z");
  }
}
