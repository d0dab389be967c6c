package io.fleetlm.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One release in status.history: the operator's memory of what it migrated and verified. */
public class ReleaseRecord {

  @JsonPropertyDescription(
      "Identity of the migration: a hash of the image and the migration settings. The same"
          + " identity never migrates twice.")
  private String migrationId;

  @JsonPropertyDescription("Image of the release.")
  private String image;

  @JsonPropertyDescription("Generation of the FleetlmRelease that asked for it.")
  private Long generation;

  @JsonPropertyDescription("Name of its migration Job.")
  private String jobName;

  @JsonPropertyDescription("Newest applied schema version found when it was verified.")
  private String schemaVersion;

  @JsonPropertyDescription("When its migration Job was created (RFC 3339).")
  private String startedAt;

  @JsonPropertyDescription("When it was verified, failed or superseded (RFC 3339).")
  private String finishedAt;

  @JsonPropertyDescription("Migrating, Migrated, Verified, Failed or Superseded.")
  private ReleaseOutcome outcome;

  @JsonPropertyDescription("Machine-readable reason it failed, e.g. MigrationJobFailed.")
  private String reason;

  @JsonPropertyDescription("Why it failed or was superseded.")
  private String message;

  public String getMigrationId() {
    return migrationId;
  }

  public void setMigrationId(String migrationId) {
    this.migrationId = migrationId;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public Long getGeneration() {
    return generation;
  }

  public void setGeneration(Long generation) {
    this.generation = generation;
  }

  public String getJobName() {
    return jobName;
  }

  public void setJobName(String jobName) {
    this.jobName = jobName;
  }

  public String getSchemaVersion() {
    return schemaVersion;
  }

  public void setSchemaVersion(String schemaVersion) {
    this.schemaVersion = schemaVersion;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }

  public String getFinishedAt() {
    return finishedAt;
  }

  public void setFinishedAt(String finishedAt) {
    this.finishedAt = finishedAt;
  }

  public ReleaseOutcome getOutcome() {
    return outcome;
  }

  public void setOutcome(ReleaseOutcome outcome) {
    this.outcome = outcome;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
