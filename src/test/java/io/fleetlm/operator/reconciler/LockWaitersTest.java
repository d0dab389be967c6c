package io.fleetlm.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import org.junit.jupiter.api.Test;

class LockWaitersTest {

  private final LockWaiters waiters = new LockWaiters();
  private final ResourceID canary = new ResourceID("chat", "canary");

  @Test
  void askingWhoWaitsChangesNothingBecauseJosdkAsksMoreThanOncePerEvent() {
    waiters.add("fleetlm-db-1", canary);

    assertThat(waiters.waitingFor("fleetlm-db-1", id -> true)).containsExactly(canary);
    assertThat(waiters.waitingFor("fleetlm-db-1", id -> true)).containsExactly(canary);
    assertThat(waiters.waitingFor("fleetlm-db-2", id -> true)).isEmpty();
  }

  @Test
  void aReleaseThatGotTheLeaseWaitsNoMore() {
    waiters.add("fleetlm-db-1", canary);
    waiters.remove("fleetlm-db-1", canary);
    assertThat(waiters.waitingFor("fleetlm-db-1", id -> true)).isEmpty();
  }

  @Test
  void aReleaseDeletedWhileItWaitedIsForgotten() {
    ResourceID deleted = new ResourceID("search", "canary");
    waiters.add("fleetlm-db-1", canary);
    waiters.add("fleetlm-db-1", deleted);

    assertThat(waiters.waitingFor("fleetlm-db-1", id -> !id.equals(deleted)))
        .containsExactly(canary);
    assertThat(waiters.waitingFor("fleetlm-db-1", id -> true))
        .as("forgotten, not only left out")
        .containsExactly(canary);
  }
}
