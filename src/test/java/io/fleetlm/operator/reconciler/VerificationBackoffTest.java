package io.fleetlm.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class VerificationBackoffTest {

  private final VerificationBackoff backoff =
      new VerificationBackoff(Duration.ofSeconds(2), Duration.ofSeconds(60));
  private Instant now = Instant.parse("2026-12-05T10:00:00Z");

  @Test
  void delaysDoubleUpToTheLongest() {
    for (long expected : new long[] {2, 4, 8, 16, 32, 60, 60}) {
      VerificationBackoff.Retry retry = backoff.next("chat/1", now);
      assertThat(retry.delay()).isEqualTo(Duration.ofSeconds(expected));
      now = now.plus(retry.delay());
    }
  }

  @Test
  void aReleaseThatStoppedPollingIsForgotten() {
    backoff.next("deleted/1", now);
    backoff.next("deleted/1", now);
    now = now.plus(Duration.ofMinutes(3));

    VerificationBackoff.Retry other = backoff.next("chat/1", now);

    assertThat(other.attempt()).isEqualTo(1);
    assertThat(backoff.tracked()).as("only the release that still polls").isEqualTo(1);
    assertThat(backoff.next("deleted/1", now).attempt())
        .as("back at the shortest delay")
        .isEqualTo(1);
  }

  @Test
  void aResetStartsAgainAtTheShortestDelay() {
    backoff.next("chat/1", now);
    backoff.next("chat/1", now);
    backoff.reset("chat/1");
    assertThat(backoff.next("chat/1", now).delay()).isEqualTo(Duration.ofSeconds(2));
  }
}
