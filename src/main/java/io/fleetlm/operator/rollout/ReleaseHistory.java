package io.fleetlm.operator.rollout;

import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.ReleaseOutcome;
import io.fleetlm.operator.api.ReleaseRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * status.history as the operator's memory: which migration identities ran, and how they ended. It
 * is what keeps a release from migrating twice after its Job is gone (TTL, a person, a restart).
 * Immutable: each change returns a new history.
 */
public final class ReleaseHistory {

  public static final int MAX_RECORDS = 10;

  private final List<ReleaseRecord> records;

  private ReleaseHistory(List<ReleaseRecord> records) {
    this.records = List.copyOf(records);
  }

  public static ReleaseHistory of(List<ReleaseRecord> records) {
    return new ReleaseHistory(Objects.requireNonNullElse(records, List.of()));
  }

  public Optional<ReleaseRecord> find(String migrationId) {
    return records.stream().filter(r -> migrationId.equals(r.migrationId())).findFirst();
  }

  /**
   * Records a migration that started in a database (host:port/name); an existing record of that
   * identity starts over.
   */
  public ReleaseHistory started(
      String migrationId,
      String image,
      long generation,
      String jobName,
      Instant at,
      String database) {
    ReleaseRecord fresh =
        ReleaseRecord.started(migrationId, image, generation, jobName, at.toString(), database);
    List<ReleaseRecord> next = new ArrayList<>();
    next.add(fresh);
    records.stream().filter(r -> !migrationId.equals(r.migrationId())).forEach(next::add);
    return new ReleaseHistory(next);
  }

  /**
   * Records a migration Job found running that the history does not know: the operator may have
   * stopped, or lost its status write to a conflict, between creating the Job and recording it. Its
   * generation is not known.
   */
  public ReleaseHistory found(String migrationId, String image, String jobName, Instant created) {
    if (find(migrationId).isPresent()) {
      return this;
    }
    // Its database is recorded once it is the target ({@link #adoptDatabase}).
    List<ReleaseRecord> next = new ArrayList<>();
    next.add(ReleaseRecord.started(migrationId, image, null, jobName, created.toString(), null));
    next.addAll(records);
    return new ReleaseHistory(next);
  }

  /**
   * Moves a known record to an outcome; finished outcomes get a finishing time. Unknown identities
   * and unchanged records leave the history as it is.
   */
  public ReleaseHistory mark(
      String migrationId,
      ReleaseOutcome outcome,
      String schemaVersion,
      Reason reason,
      String message,
      Instant now) {
    return replace(
        migrationId,
        record -> {
          if (record.outcome() == outcome && Objects.equals(record.message(), message)) {
            return record;
          }
          // Migrated is a waypoint: the release finishes when it is verified.
          boolean finished =
              outcome != ReleaseOutcome.Migrating && outcome != ReleaseOutcome.Migrated;
          return record.at(
              outcome,
              schemaVersion,
              reason == null ? null : reason.name(),
              message,
              finished ? now.toString() : null);
        });
  }

  /**
   * Records the database of a record written before databases were recorded: it counts for the
   * database the spec names when this operator first reads it ({@link
   * io.fleetlm.operator.kube.DatabaseScope}). Records that name one are left as they are.
   */
  public ReleaseHistory adoptDatabase(String migrationId, String database) {
    return database == null
        ? this
        : replace(
            migrationId,
            record -> record.database() == null ? record.inDatabase(database) : record);
  }

  /** Keeps the last words of a release's migration container. */
  public ReleaseHistory withOutput(String migrationId, String output) {
    return replace(migrationId, record -> record.withOutput(output));
  }

  /** Marks a release's record as a rollback to a version, run by the Job described. */
  public ReleaseHistory rollingBack(String migrationId, String rollbackTo, String rollbackJob) {
    return replace(migrationId, record -> record.rollingBack(rollbackTo, rollbackJob));
  }

  /** Releases that were still on their way when the spec moved on are superseded. */
  public ReleaseHistory supersedeAllBut(String targetId, long generation, Instant now) {
    List<ReleaseRecord> next = new ArrayList<>();
    for (ReleaseRecord record : records) {
      boolean inFlight =
          record.outcome() == ReleaseOutcome.Migrating
              || record.outcome() == ReleaseOutcome.Migrated;
      next.add(
          inFlight && !targetId.equals(record.migrationId())
              ? record.at(
                  ReleaseOutcome.Superseded,
                  null,
                  Reason.Superseded.name(),
                  "superseded by generation " + generation + " before it was verified",
                  now.toString())
              : record);
    }
    return new ReleaseHistory(next);
  }

  /**
   * Whether a Job of this image already showed that it has no Fleetlm.Release (reason
   * UnsupportedImage), migrating (the record's image) or rolling back (the image its rollback Job
   * ran): such an image cannot run a rollback.
   */
  public boolean lacksReleaseHelper(String image) {
    return records.stream()
        .filter(r -> Reason.UnsupportedImage.name().equals(r.reason()))
        .anyMatch(
            r ->
                r.rollbackTo() == null
                    ? image.equals(r.image())
                    : r.rollbackJob() != null && r.rollbackJob().startsWith(image + " "));
  }

  /** Newest first, at most {@link #MAX_RECORDS}; the records named in {@code keep} always stay. */
  public List<ReleaseRecord> records(Set<String> keep) {
    List<ReleaseRecord> bounded = new ArrayList<>();
    int others = 0;
    for (ReleaseRecord record : records) {
      boolean pinned = keep.contains(record.migrationId());
      if (pinned || others < MAX_RECORDS - keep.size()) {
        bounded.add(record);
        others += pinned ? 0 : 1;
      }
    }
    return List.copyOf(bounded);
  }

  private ReleaseHistory replace(String migrationId, UnaryOperator<ReleaseRecord> change) {
    List<ReleaseRecord> next = new ArrayList<>();
    for (ReleaseRecord record : records) {
      next.add(migrationId.equals(record.migrationId()) ? change.apply(record) : record);
    }
    return new ReleaseHistory(next);
  }
}
