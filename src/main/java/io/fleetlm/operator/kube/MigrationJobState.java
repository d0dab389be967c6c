package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Where a migration Job stands, read from the conditions the job controller writes. */
public record MigrationJobState(Kind kind, String reason, String message) {

  public enum Kind {
    RUNNING,
    SUCCEEDED,
    FAILED
  }

  public static MigrationJobState of(Job job) {
    List<JobCondition> conditions =
        job.getStatus() == null
            ? List.of()
            : Objects.requireNonNullElse(job.getStatus().getConditions(), List.of());
    Optional<JobCondition> failed = trueCondition(conditions, "Failed");
    if (failed.isPresent()) {
      return new MigrationJobState(
          Kind.FAILED, failed.get().getReason(), failed.get().getMessage());
    }
    if (trueCondition(conditions, "Complete").isPresent()) {
      return new MigrationJobState(Kind.SUCCEEDED, "Complete", null);
    }
    return new MigrationJobState(Kind.RUNNING, null, null);
  }

  public boolean finished() {
    return kind != Kind.RUNNING;
  }

  private static Optional<JobCondition> trueCondition(List<JobCondition> conditions, String type) {
    return conditions.stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
        .findFirst();
  }
}
