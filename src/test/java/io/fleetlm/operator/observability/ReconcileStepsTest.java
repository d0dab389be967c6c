package io.fleetlm.operator.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.observability.ReconcileSteps.Step;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReconcileStepsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  @Test
  void eachStepIsTheTimeSinceThePreviousOneEndedSoThatThePassAddsUp() {
    ReconcileSteps pass = new ReconcileSteps(registry, nanos::get);
    advanceMillis(3);
    pass.ended(Step.OBSERVE);
    advanceMillis(40);
    pass.ended(Step.MIGRATION);
    advanceMillis(7);
    pass.ended(Step.STATUS);

    assertThat(millis(Step.OBSERVE)).isEqualTo(3.0);
    assertThat(millis(Step.MIGRATION)).isEqualTo(40.0);
    assertThat(millis(Step.STATUS)).isEqualTo(7.0);
    assertThat(registry.find("fleetlm_reconcile_step_seconds").tag("step", "app").timer())
        .as("a step the pass did not take is not recorded")
        .isNull();
  }

  @Test
  void passesAddToTheSameTimers() {
    new ReconcileSteps(registry, nanos::get).ended(Step.OBSERVE);
    ReconcileSteps second = new ReconcileSteps(registry, nanos::get);
    advanceMillis(2);
    second.ended(Step.OBSERVE);

    Timer observe = timer(Step.OBSERVE);
    assertThat(observe.count()).isEqualTo(2);
    assertThat(observe.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(2.0);
  }

  private void advanceMillis(long millis) {
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
  }

  private double millis(Step step) {
    return timer(step).totalTime(TimeUnit.MILLISECONDS);
  }

  private Timer timer(Step step) {
    return registry.get("fleetlm_reconcile_step_seconds").tag("step", step.tag()).timer();
  }
}
