package io.fleetlm.operator.reconciler;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Releases waiting for a database Lease, so that a change of that Lease (its holder released or
 * replaced it) reconciles them at once. A release leaves the list when it gets the Lease. Memory
 * only: after a restart every release is reconciled anyway, and a waiting release also looks again
 * after a while.
 */
public final class LockWaiters {

  private final ConcurrentHashMap<String, Set<ResourceID>> byLease = new ConcurrentHashMap<>();

  void add(String leaseName, ResourceID release) {
    byLease.computeIfAbsent(leaseName, k -> ConcurrentHashMap.newKeySet()).add(release);
  }

  /** A release that got the Lease, or waits for nothing any more. */
  void remove(String leaseName, ResourceID release) {
    byLease.computeIfPresent(
        leaseName,
        (name, waiting) -> {
          waiting.remove(release);
          return waiting.isEmpty() ? null : waiting;
        });
  }

  /** Whether any release waits for this Lease (deleted ones may be among them). */
  boolean anyWaitingFor(String leaseName) {
    return byLease.containsKey(leaseName);
  }

  /**
   * The releases waiting for this Lease that still exist; those that do not (deleted while they
   * waited) are forgotten. Asking twice answers the same: JOSDK calls the mapper that asks this
   * more than once per event (to index secondaries, then to send the event).
   */
  public Set<ResourceID> waitingFor(String leaseName, Predicate<ResourceID> exists) {
    Set<ResourceID> waiting = byLease.get(leaseName);
    if (waiting == null) {
      return Set.of();
    }
    waiting.stream().filter(exists.negate()).toList().forEach(gone -> remove(leaseName, gone));
    return waiting.stream().filter(exists).collect(Collectors.toUnmodifiableSet());
  }
}
