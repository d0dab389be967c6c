package io.fleetlm.operator.rollout;

import io.fleetlm.operator.api.ReleaseOutcome;
import io.fleetlm.operator.api.ReleaseRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * status.history as the operator's memory: which migration identities ran, and how they ended. It
 * is what keeps a release from migrating twice after its Job is gone (TTL, a person, a restart).
 */
public final class ReleaseHistory {

  public static final int MAX_RECORDS = 10;

  private final List<ReleaseRecord> records;

  private ReleaseHistory(List<ReleaseRecord> records) {
    this.records = records;
  }

  /** Copies the records, so the caller's (cached) status is never changed. */
  public static ReleaseHistory of(List<ReleaseRecord> records) {
    List<ReleaseRecord> copies = new ArrayList<>();
    for (ReleaseRecord record : Objects.requireNonNullElse(records, List.<ReleaseRecord>of())) {
      copies.add(copy(record));
    }
    return new ReleaseHistory(copies);
  }

  public Optional<ReleaseRecord> find(String migrationId) {
    return records.stream().filter(r -> migrationId.equals(r.getMigrationId())).findFirst();
  }

  public void started(
      String migrationId, String image, long generation, String jobName, Instant now) {
    ReleaseRecord record =
        find(migrationId)
            .orElseGet(
                () -> {
                  ReleaseRecord fresh = new ReleaseRecord();
                  fresh.setMigrationId(migrationId);
                  records.add(0, fresh);
                  return fresh;
                });
    record.setImage(image);
    record.setGeneration(generation);
    record.setJobName(jobName);
    record.setStartedAt(now.toString());
    record.setFinishedAt(null);
    record.setOutcome(ReleaseOutcome.Migrating);
    record.setReason(null);
    record.setMessage(null);
  }

  /** Moves a known record to an outcome; finished outcomes get a finishing time. */
  public void mark(
      String migrationId,
      ReleaseOutcome outcome,
      String schemaVersion,
      String reason,
      String message,
      Instant now) {
    find(migrationId)
        .ifPresent(
            record -> {
              if (record.getOutcome() == outcome && Objects.equals(record.getMessage(), message)) {
                return;
              }
              record.setOutcome(outcome);
              if (schemaVersion != null) {
                record.setSchemaVersion(schemaVersion);
              }
              record.setReason(reason);
              record.setMessage(message);
              boolean finished = outcome != ReleaseOutcome.Migrating;
              boolean verifiedLater = outcome == ReleaseOutcome.Migrated;
              record.setFinishedAt(finished && !verifiedLater ? now.toString() : null);
            });
  }

  /** Releases that were still on their way when the spec moved on are superseded. */
  public void supersedeAllBut(String targetId, long generation, Instant now) {
    for (ReleaseRecord record : records) {
      boolean inFlight =
          record.getOutcome() == ReleaseOutcome.Migrating
              || record.getOutcome() == ReleaseOutcome.Migrated;
      if (inFlight && !targetId.equals(record.getMigrationId())) {
        record.setOutcome(ReleaseOutcome.Superseded);
        record.setFinishedAt(now.toString());
        record.setReason("Superseded");
        record.setMessage("superseded by generation " + generation + " before it was verified");
      }
    }
  }

  /** Newest first, at most {@link #MAX_RECORDS}; the records named in {@code keep} always stay. */
  public List<ReleaseRecord> records(Set<String> keep) {
    List<ReleaseRecord> bounded = new ArrayList<>();
    int others = 0;
    for (ReleaseRecord record : records) {
      boolean pinned = keep.contains(record.getMigrationId());
      if (pinned || others < MAX_RECORDS - keep.size()) {
        bounded.add(record);
        others += pinned ? 0 : 1;
      }
    }
    return bounded;
  }

  private static ReleaseRecord copy(ReleaseRecord source) {
    ReleaseRecord copy = new ReleaseRecord();
    copy.setMigrationId(source.getMigrationId());
    copy.setImage(source.getImage());
    copy.setGeneration(source.getGeneration());
    copy.setJobName(source.getJobName());
    copy.setSchemaVersion(source.getSchemaVersion());
    copy.setStartedAt(source.getStartedAt());
    copy.setFinishedAt(source.getFinishedAt());
    copy.setOutcome(source.getOutcome());
    copy.setReason(source.getReason());
    copy.setMessage(source.getMessage());
    return copy;
  }
}
