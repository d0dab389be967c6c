package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.status.ReasonStatuses;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every reason Ready can carry, in the status the operator computes for it, read by the real
 * kstatus library (what Flux and kpt use): a reason's kind is a promise about what GitOps sees.
 */
class ReasonKstatusIT {

  @ParameterizedTest
  @MethodSource("io.fleetlm.operator.status.ReasonStatuses#readyReasons")
  void kstatusReadsEachReasonAsItsKindSays(Reason reason) {
    String json = Serialization.asJson(ReasonStatuses.withReadyReason(reason));
    Tools.Result result = Tools.runWithInput(Map.of(), json, "kstatus");
    assertThat(result.exitCode()).as(result.output()).isZero();

    String expected =
        switch (reason.kind()) {
          case PROGRESSING -> "InProgress";
          case STALLED, FAILED -> "Failed";
          case READY -> "Current";
          case DETAIL -> throw new AssertionError("not a Ready reason: " + reason);
        };
    assertThat(result.output().trim()).as("kstatus for %s", reason).startsWith(expected);
  }
}
