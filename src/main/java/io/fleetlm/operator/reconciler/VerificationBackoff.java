package io.fleetlm.operator.reconciler;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exponential backoff for polling an unreachable database, per release and migration. Kept in
 * memory: after a restart the operator simply starts again at the shortest delay. An entry that has
 * not failed again for twice the longest delay belongs to a release that stopped polling (deleted,
 * verified, changed), and is dropped.
 */
final class VerificationBackoff {

  /** The attempt that just failed (1 for the first) and how long to wait before the next. */
  record Retry(int attempt, Duration delay) {}

  private record Failures(int count, Instant last) {}

  private final Duration initial;
  private final Duration max;
  private final Map<String, Failures> failures = new ConcurrentHashMap<>();

  VerificationBackoff(Duration initial, Duration max) {
    this.initial = initial;
    this.max = max;
  }

  Retry next(String key, Instant now) {
    Instant expired = now.minus(max.multipliedBy(2));
    failures.values().removeIf(f -> f.last().isBefore(expired));
    int attempt =
        failures
            .merge(key, new Failures(1, now), (was, one) -> new Failures(was.count() + 1, now))
            .count();
    long factor = 1L << Math.min(attempt - 1, 20);
    Duration delay = initial.multipliedBy(factor);
    return new Retry(attempt, delay.compareTo(max) > 0 ? max : delay);
  }

  void reset(String key) {
    failures.remove(key);
  }

  int tracked() {
    return failures.size();
  }
}
