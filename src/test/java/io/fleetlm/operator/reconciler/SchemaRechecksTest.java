package io.fleetlm.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SchemaRechecksTest {

  private static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");
  private final SchemaRechecks rechecks = new SchemaRechecks(Duration.ofMinutes(10));

  @Test
  void aReleaseNeverReadIsDueThenAgainAfterHalfThePeriod() {
    assertThat(rechecks.due("a", T0)).isTrue();
    rechecks.read("a", T0);

    assertThat(rechecks.due("a", T0.plus(Duration.ofMinutes(4)))).isFalse();
    assertThat(rechecks.due("a", T0.plus(Duration.ofMinutes(5)))).isTrue();
  }

  @Test
  void entriesOfReleasesNoLongerReadAreDropped() {
    rechecks.read("gone", T0);
    rechecks.read("kept", T0.plus(Duration.ofMinutes(19)));
    rechecks.read("kept", T0.plus(Duration.ofMinutes(21)));

    assertThat(rechecks.tracked()).isEqualTo(1);
  }
}
