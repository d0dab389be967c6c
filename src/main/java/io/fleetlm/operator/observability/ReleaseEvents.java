package io.fleetlm.operator.observability;

import io.fleetlm.operator.api.FleetlmReleaseStatus;
import io.fleetlm.operator.api.Phase;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.kube.ReleaseEvent;
import io.fleetlm.operator.status.ConditionType;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The Events a reconcile owes, derived from how the status changed (and from what was put back in
 * the Deployment). Pure: the same two statuses always give the same Events.
 */
public final class ReleaseEvents {

  private ReleaseEvents() {}

  public static List<ReleaseEvent> between(
      FleetlmReleaseStatus before,
      FleetlmReleaseStatus after,
      List<String> driftCorrected,
      List<String> stoppedJobs) {
    FleetlmReleaseStatus old = Objects.requireNonNullElseGet(before, FleetlmReleaseStatus::new);
    List<ReleaseEvent> events = new ArrayList<>();
    Optional<ReleaseEvent> phaseChange = phaseChange(old, after);
    String verified = after.getVerifiedMigrationId();
    if (verified != null && !verified.equals(old.getVerifiedMigrationId())) {
      Optional<ReleaseCondition> verifiedCondition =
          condition(after, ConditionType.MIGRATIONS_VERIFIED);
      boolean rolledBack =
          verifiedCondition.map(c -> Reason.RolledBack.name().equals(c.getReason())).orElse(false);
      String message =
          after.getTargetImage()
              + ": "
              + verifiedCondition.map(ReleaseCondition::getMessage).orElse("migrations verified");
      // One Event for the verification and the phase it moves the release to, not two.
      events.add(
          new ReleaseEvent(
              phaseChange.map(ReleaseEvent::warning).orElse(false),
              rolledBack ? Reason.RolledBack : Reason.MigrationsVerified,
              phaseChange.map(p -> message + "; " + p.message()).orElse(message)));
      phaseChange = Optional.empty();
    }
    if (old.getDatabase() != null
        && after.getDatabase() != null
        && !old.getDatabase().equals(after.getDatabase())) {
      events.add(
          ReleaseEvent.normal(
              Reason.DatabaseChanged,
              "database changed from "
                  + old.getDatabase()
                  + " to "
                  + after.getDatabase()
                  + ": it is migrated and verified before any pod is rolled onto it; until then"
                  + " the running pods keep the database they started with"));
    }
    if (!driftCorrected.isEmpty()) {
      events.add(
          ReleaseEvent.warning(
              Reason.DriftCorrected,
              "objects of this release were changed outside the FleetlmRelease and were put back: "
                  + String.join("; ", driftCorrected)
                  + ". Change the FleetlmRelease instead."));
    }
    for (String job : stoppedJobs) {
      events.add(
          ReleaseEvent.normal(
              Reason.SupersededMigrationStopped,
              "stopped migration Job "
                  + job
                  + " of a superseded spec: its pod never started its container, so nothing"
                  + " was interrupted"));
    }
    for (String warning : Objects.requireNonNullElse(after.getWarnings(), List.<String>of())) {
      if (!Objects.requireNonNullElse(old.getWarnings(), List.<String>of()).contains(warning)) {
        events.add(ReleaseEvent.warning(Reason.SpecWarning, warning));
      }
    }
    boolean wasPaused = condition(old, ConditionType.PAUSED).isPresent();
    boolean isPaused = condition(after, ConditionType.PAUSED).isPresent();
    if (wasPaused != isPaused) {
      events.add(
          isPaused
              ? ReleaseEvent.normal(Reason.Paused, "spec.paused is true: nothing new starts")
              : ReleaseEvent.normal(Reason.Resumed, "spec.paused is false: the release continues"));
    }
    phaseChange.ifPresent(events::add);
    return events;
  }

  private static Optional<ReleaseEvent> phaseChange(
      FleetlmReleaseStatus before, FleetlmReleaseStatus after) {
    Phase from = before.getPhase();
    Phase to = after.getPhase();
    if (to == null || to == from) {
      return Optional.empty();
    }
    ReleaseCondition ready = condition(after, ConditionType.READY).orElseThrow();
    String message = ready.getMessage() == null ? "" : ready.getMessage();
    return Optional.of(
        new ReleaseEvent(
            to == Phase.Failed,
            Reason.parse(ready.getReason()).orElse(Reason.ReconcileError),
            (from == null ? "" : from + " -> ") + to + (message.isEmpty() ? "" : ": " + message)));
  }

  static Optional<ReleaseCondition> condition(FleetlmReleaseStatus status, String type) {
    return Objects.requireNonNullElse(status.getConditions(), List.<ReleaseCondition>of()).stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst();
  }
}
