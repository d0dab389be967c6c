package io.fleetlm.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PassStepsTest {

  @Test
  void readsEachStepsCountTotalAndMaxFromThePrometheusExposition() {
    String metrics =
        """
        # TYPE fleetlm_reconcile_step_seconds_max gauge
        fleetlm_reconcile_step_seconds_max{step="app"} 0.25
        fleetlm_reconcile_step_seconds_count{step="app"} 4.0
        fleetlm_reconcile_step_seconds_sum{step="app"} 0.5
        fleetlm_reconcile_step_seconds_count{step="observe",} 10.0
        fleetlm_reconcile_step_seconds_sum{step="observe",} 0.02
        fleetlm_rollout_duration_seconds_count 3.0
        """;

    Map<String, PassSteps.StepTime> steps = PassSteps.parse(metrics);

    assertThat(steps).containsOnlyKeys("app", "observe");
    assertThat(steps.get("app").passes).isEqualTo(4);
    assertThat(steps.get("app").meanMs()).isEqualTo(125.0);
    assertThat(steps.get("app").maxMs).isEqualTo(250.0);
    assertThat(steps.get("observe").meanMs()).isEqualTo(2.0);
  }
}
