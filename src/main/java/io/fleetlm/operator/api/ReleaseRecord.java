package io.fleetlm.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * One release in status.history: the operator's memory of what it migrated and verified. Immutable:
 * every change builds a new record through the canonical constructor, so a field added here cannot
 * be dropped by a copy that forgot it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReleaseRecord(
    @JsonPropertyDescription(
            "Identity of the release: a hash of the image and the migration settings, then a hash"
                + " of the database it migrates (records written before databases were recorded"
                + " have the first hash only). The same identity never migrates twice.")
        String migrationId,
    @JsonPropertyDescription("Image of the release.") String image,
    @JsonPropertyDescription("Generation of the FleetlmRelease that asked for it.") Long generation,
    @JsonPropertyDescription("Name of its migration Job.") String jobName,
    @JsonPropertyDescription("Newest applied schema version found when it was verified.")
        String schemaVersion,
    @JsonPropertyDescription("When its migration Job was created (RFC 3339).") String startedAt,
    @JsonPropertyDescription("When it was verified, failed or superseded (RFC 3339).")
        String finishedAt,
    @JsonPropertyDescription("Migrating, Migrated, Verified, Failed or Superseded.")
        ReleaseOutcome outcome,
    @JsonPropertyDescription("Machine-readable reason it failed, e.g. MigrationJobFailed.")
        String reason,
    @JsonPropertyDescription("Why it failed or was superseded.") String message,
    @JsonPropertyDescription(
            "The last lines the migration container left (its termination message, or its log"
                + " tail when it failed), secrets masked. Kept here so they outlive the Job.")
        String output,
    @JsonPropertyDescription(
            "For a rollback: the version the database was rolled back to (spec.migration.rollbackTo).")
        String rollbackTo,
    @JsonPropertyDescription(
            "For a rollback: the image its Job ran, the newer one that knows the migrations it"
                + " reverted, and the lowest version it would revert (Ecto's inclusive to:, the"
                + " target + 1).")
        String rollbackJob,
    @JsonPropertyDescription(
            "The database it migrates and is verified in, as host:port/name (no credentials):"
                + " a verification holds for this database only. Empty on records written before"
                + " the operator recorded it.")
        String database) {

  /** A migration whose Job was just created (or found; then its generation may be unknown). */
  public static ReleaseRecord started(
      String migrationId,
      String image,
      Long generation,
      String jobName,
      String startedAt,
      String database) {
    return new ReleaseRecord(
        migrationId,
        image,
        generation,
        jobName,
        null,
        startedAt,
        null,
        ReleaseOutcome.Migrating,
        null,
        null,
        null,
        null,
        null,
        database);
  }

  /**
   * The same release at a new outcome. A null schema version keeps the one recorded; finishedAt is
   * set by the caller, null while the release is still on its way.
   */
  public ReleaseRecord at(
      ReleaseOutcome newOutcome,
      String newSchemaVersion,
      String newReason,
      String newMessage,
      String newFinishedAt) {
    return new ReleaseRecord(
        migrationId,
        image,
        generation,
        jobName,
        newSchemaVersion != null ? newSchemaVersion : schemaVersion,
        startedAt,
        newFinishedAt,
        newOutcome,
        newReason,
        newMessage,
        output,
        rollbackTo,
        rollbackJob,
        database);
  }

  /** The same release with what its migration container left; null keeps what was recorded. */
  public ReleaseRecord withOutput(String newOutput) {
    return newOutput == null
        ? this
        : new ReleaseRecord(
            migrationId,
            image,
            generation,
            jobName,
            schemaVersion,
            startedAt,
            finishedAt,
            outcome,
            reason,
            message,
            newOutput,
            rollbackTo,
            rollbackJob,
            database);
  }

  /** The same release, marked as a rollback to a version by a Job of the given image. */
  public ReleaseRecord rollingBack(String toVersion, String job) {
    return new ReleaseRecord(
        migrationId,
        image,
        generation,
        jobName,
        schemaVersion,
        startedAt,
        finishedAt,
        outcome,
        reason,
        message,
        output,
        toVersion,
        job,
        database);
  }

  /** The same release, recorded as migrated and verified in the given database. */
  public ReleaseRecord inDatabase(String newDatabase) {
    return new ReleaseRecord(
        migrationId,
        image,
        generation,
        jobName,
        schemaVersion,
        startedAt,
        finishedAt,
        outcome,
        reason,
        message,
        output,
        rollbackTo,
        rollbackJob,
        newDatabase);
  }
}
