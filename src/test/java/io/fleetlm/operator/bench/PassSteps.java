package io.fleetlm.operator.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator's {@code fleetlm_reconcile_step_seconds} timers, read from its /metrics: where its
 * reconcile passes spent their time, step by step.
 */
final class PassSteps {

  /** One step's figures over a run. */
  static final class StepTime {
    public long passes;
    public double totalMs;
    public double maxMs;

    double meanMs() {
      return passes == 0 ? 0 : totalMs / passes;
    }
  }

  private static final Pattern SAMPLE =
      Pattern.compile(
          "^fleetlm_reconcile_step_seconds_(count|sum|max)\\{[^}]*step=\"([a-z]+)\"[^}]*\\}"
              + " (\\S+)$",
          Pattern.MULTILINE);

  private PassSteps() {}

  /** The steps in the order the exposition lists them, by step name. */
  static Map<String, StepTime> parse(String prometheusText) {
    Map<String, StepTime> steps = new LinkedHashMap<>();
    Matcher sample = SAMPLE.matcher(prometheusText);
    while (sample.find()) {
      StepTime step = steps.computeIfAbsent(sample.group(2), s -> new StepTime());
      double value = Double.parseDouble(sample.group(3));
      switch (sample.group(1)) {
        case "count" -> step.passes = (long) value;
        case "sum" -> step.totalMs = value * 1000;
        default -> step.maxMs = value * 1000;
      }
    }
    return steps;
  }
}
