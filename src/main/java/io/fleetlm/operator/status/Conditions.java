package io.fleetlm.operator.status;

import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.ReleaseCondition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Builds a condition list that keeps lastTransitionTime unless a condition's status flips. */
final class Conditions {

  static final String TRUE = "True";
  static final String FALSE = "False";
  static final String UNKNOWN = "Unknown";

  private final List<ReleaseCondition> previous;
  private final long generation;
  private final Instant now;
  private final List<ReleaseCondition> current = new ArrayList<>();

  Conditions(List<ReleaseCondition> previous, long generation, Instant now) {
    this.previous = Objects.requireNonNullElse(previous, List.of());
    this.generation = generation;
    this.now = now;
  }

  Conditions set(String type, String status, Reason reason, String message) {
    return set(type, status, reason.name(), message);
  }

  /** Keeps a condition as it was written, reason and all. */
  Conditions keep(ReleaseCondition kept) {
    return set(kept.getType(), kept.getStatus(), kept.getReason(), kept.getMessage());
  }

  private Conditions set(String type, String status, String reason, String message) {
    String since =
        find(previous, type)
            .filter(c -> status.equals(c.getStatus()))
            .map(ReleaseCondition::getLastTransitionTime)
            .orElse(now.toString());
    current.add(new ReleaseCondition(type, status, generation, since, reason, message));
    return this;
  }

  List<ReleaseCondition> list() {
    return List.copyOf(current);
  }

  static Optional<ReleaseCondition> find(List<ReleaseCondition> conditions, String type) {
    return Objects.requireNonNullElse(conditions, List.<ReleaseCondition>of()).stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst();
  }

  static boolean isTrue(List<ReleaseCondition> conditions, String type) {
    return find(conditions, type).map(c -> TRUE.equals(c.getStatus())).orElse(false);
  }
}
