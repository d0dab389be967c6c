package io.fleetlm.operator.reconciler;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each verified release last read its database again. Kept in memory: after a restart every
 * release is read once more, which is what a resync does anyway. An entry not renewed for twice the
 * period belongs to a release that is gone or changed, and is dropped.
 */
final class SchemaRechecks {

  private final Duration period;
  private final Map<String, Instant> lastRead = new ConcurrentHashMap<>();

  /**
   * @param period how often a verified release's history table is read again
   */
  SchemaRechecks(Duration period) {
    this.period = period;
  }

  /**
   * Due once half the period has passed: the resync, which comes every period, always reads, and
   * the events in between read at most twice as often.
   */
  boolean due(String key, Instant now) {
    Instant last = lastRead.get(key);
    return last == null || !now.isBefore(last.plus(period.dividedBy(2)));
  }

  void read(String key, Instant now) {
    Instant expired = now.minus(period.multipliedBy(2));
    lastRead.values().removeIf(at -> at.isBefore(expired));
    lastRead.put(key, now);
  }

  int tracked() {
    return lastRead.size();
  }
}
