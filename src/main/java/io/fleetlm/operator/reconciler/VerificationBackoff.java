package io.fleetlm.operator.reconciler;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exponential backoff for polling an unreachable database, per release and migration. Kept in
 * memory: after a restart the operator simply starts again at the shortest delay.
 */
final class VerificationBackoff {

  private final Duration initial;
  private final Duration max;
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();

  VerificationBackoff(Duration initial, Duration max) {
    this.initial = initial;
    this.max = max;
  }

  Duration nextDelay(String key) {
    int attempt = failures.merge(key, 1, Integer::sum);
    long factor = 1L << Math.min(attempt - 1, 20);
    Duration delay = initial.multipliedBy(factor);
    return delay.compareTo(max) > 0 ? max : delay;
  }

  int attempts(String key) {
    return failures.getOrDefault(key, 0);
  }

  void reset(String key) {
    failures.remove(key);
  }
}
