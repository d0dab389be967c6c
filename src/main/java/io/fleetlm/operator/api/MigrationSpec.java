package io.fleetlm.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** How the release's migration Job runs and how its result is verified. */
@ValidationRule(
    value =
        "(has(self.tool) && self.tool == 'flyway') || !has(self.expectedVersion)"
            + " || (self.expectedVersion.matches('^[0-9]{1,19}$') && (size(self.expectedVersion) < 19"
            + " || self.expectedVersion <= '9223372036854775807'))",
    message =
        "an Ecto expectedVersion is the migration's numeric version, e.g. 20251021155555, and"
            + " fits schema_migrations.version (a bigint, at most 9223372036854775807)")
@ValidationRule(
    value =
        "(has(self.tool) && self.tool == 'flyway') || !has(self.requiredVersions)"
            + " || self.requiredVersions.all(v, v.matches('^[0-9]{1,19}$') && (size(v) < 19"
            + " || v <= '9223372036854775807'))",
    message =
        "Ecto requiredVersions are numeric versions, e.g. 20251021155555, that fit a bigint (at"
            + " most 9223372036854775807)")
@ValidationRule(
    value =
        "!(has(self.tool) && self.tool == 'flyway') || !has(self.expectedVersion)"
            + " || self.expectedVersion.matches('^[0-9]+([._][0-9]+)*$')",
    message = "a Flyway expectedVersion looks like 1, 1.2 or 2_1_3")
@ValidationRule(
    value = "!has(self.rollbackTo) || !(has(self.tool) && self.tool == 'flyway')",
    message =
        "rollbackTo is for Ecto: Flyway's community edition has no undo; restore the database or"
            + " write a forward migration instead")
@ValidationRule(
    value =
        "!has(self.rollbackTo) || !has(self.expectedVersion)"
            + " || !self.expectedVersion.matches('^[0-9]{1,18}$')"
            + " || int(self.expectedVersion) <= int(self.rollbackTo)",
    message =
        "with rollbackTo the database ends at that version, so expectedVersion cannot be newer"
            + " than rollbackTo")
public class MigrationSpec {

  @Default("ecto")
  @JsonPropertyDescription(
      "Migration tool whose history table is verified: 'ecto' (schema_migrations, FleetLM's"
          + " default) or 'flyway' (flyway_schema_history, where a failed row fails the release).")
  private MigrationTool tool;

  @Size(max = 32)
  @JsonPropertyDescription(
      "Command of the migration container. Empty keeps the image's entrypoint, which runs the"
          + " args without booting the app.")
  private List<String> command;

  @Size(max = 64)
  @JsonPropertyDescription(
      "Arguments of the migration container. Default, when command and args are both empty:"
          + " bin/fleetlm eval with Fleetlm.Release.migrate() followed by a one-line summary of"
          + " Ecto.Migrator.migrations(Fleetlm.Repo) written to the termination message, which"
          + " verification cross-checks with the database.")
  private List<String> args;

  @Size(max = 32)
  @JsonPropertyDescription(
      "The schema version this release must find applied after its migration, e.g. the newest"
          + " migration in the image (Ecto: 20251021155555). Optional with the default migration"
          + " command: the image then reports its own newest migration. Without either,"
          + " verification only checks that the history table exists, is not empty and has no"
          + " failed rows.")
  private String expectedVersion;

  @Size(max = 500)
  @JsonPropertyDescription(
      "Every migration version the release ships. When given, each must be applied; missing ones"
          + " are listed in the status.")
  private List<@Size(max = 32) @Pattern("^[0-9]+([._][0-9]+)*$") String> requiredVersions;

  @Pattern("^[a-zA-Z_][a-zA-Z0-9_]{0,62}(\\.[a-zA-Z_][a-zA-Z0-9_]{0,62})?$")
  @JsonPropertyDescription(
      "History table to read, optionally schema-qualified. Default: schema_migrations (ecto) or"
          + " flyway_schema_history (flyway).")
  private String historyTable;

  @Default("600")
  @Min(1)
  @Max(86400)
  @JsonPropertyDescription(
      "Deadline of the migration Job in seconds (activeDeadlineSeconds). Past it the Job fails"
          + " and the release stops with the old version serving.")
  private Long timeoutSeconds;

  @Default("0")
  @Min(0)
  @Max(10)
  @JsonPropertyDescription(
      "How many times a failed migration pod is retried before the Job fails (backoffLimit).")
  private Integer backoffLimit;

  @Default("86400")
  @Min(0)
  @Max(2592000)
  @JsonPropertyDescription(
      "How long a finished migration Job and its pod are kept, in seconds"
          + " (ttlSecondsAfterFinished). The operator remembers the outcome in status.history.")
  private Integer ttlSecondsAfterFinished;

  @Size(max = 63)
  @JsonPropertyDescription(
      "Any value; changing it runs the migration again for the same image and settings, e.g."
          + " after fixing the database behind a failed migration.")
  private String runId;

  @Default("Block")
  @JsonPropertyDescription(
      "When the database holds migrations newer than expectedVersion and requiredVersions (an"
          + " older image after a newer one): Block (default) stops with reason SchemaAhead and"
          + " deploys nothing; Allow deploys the older image on the newer schema, for apps"
          + " written expand/contract that tolerate it.")
  private SchemaAheadPolicy schemaAhead;

  // No schema default: releases stored before the field existed read back unchanged.
  @JsonPropertyDescription(
      "When a verified release's database no longer holds migrations it was verified with"
          + " (restored from an older backup, rolled back by hand), found at the next resync:"
          + " Report (the default, also when unset) turns Ready False with reason SchemaBehind"
          + " and migrates nothing; Migrate also runs the migration Job once more and verifies again, without replacing"
          + " the running pods. Releases with rollbackTo only report.")
  private SchemaDriftPolicy onSchemaDrift;

  @Size(max = 19)
  @Pattern("^[0-9]{1,18}$")
  @JsonPropertyDescription(
      "Roll the database back so that it ends at this Ecto version (it stays applied; every"
          + " applied migration above it is reverted), then deploy spec.image. The operator runs"
          + " Fleetlm.Release.rollback with this version + 1, because Ecto's to: is inclusive,"
          + " using rollbackImage: an image that knows the migrations it reverts. Nothing above"
          + " it applied: no Job runs. Ecto only.")
  private String rollbackTo;

  @Pattern(ImageReference.PATTERN)
  @JsonPropertyDescription(
      "Image that runs the rollback Job. Default: the image this release last verified (the"
          + " newer one, which ships the down migrations). Set it when the operator has no such"
          + " record, e.g. for a release recreated from Git.")
  private String rollbackImage;

  public MigrationTool getTool() {
    return tool;
  }

  public void setTool(MigrationTool tool) {
    this.tool = tool;
  }

  public List<String> getCommand() {
    return command;
  }

  public void setCommand(List<String> command) {
    this.command = command;
  }

  public List<String> getArgs() {
    return args;
  }

  public void setArgs(List<String> args) {
    this.args = args;
  }

  public String getExpectedVersion() {
    return expectedVersion;
  }

  public void setExpectedVersion(String expectedVersion) {
    this.expectedVersion = expectedVersion;
  }

  public List<String> getRequiredVersions() {
    return requiredVersions;
  }

  public void setRequiredVersions(List<String> requiredVersions) {
    this.requiredVersions = requiredVersions;
  }

  public String getHistoryTable() {
    return historyTable;
  }

  public void setHistoryTable(String historyTable) {
    this.historyTable = historyTable;
  }

  public Long getTimeoutSeconds() {
    return timeoutSeconds;
  }

  public void setTimeoutSeconds(Long timeoutSeconds) {
    this.timeoutSeconds = timeoutSeconds;
  }

  public Integer getBackoffLimit() {
    return backoffLimit;
  }

  public void setBackoffLimit(Integer backoffLimit) {
    this.backoffLimit = backoffLimit;
  }

  public Integer getTtlSecondsAfterFinished() {
    return ttlSecondsAfterFinished;
  }

  public void setTtlSecondsAfterFinished(Integer ttlSecondsAfterFinished) {
    this.ttlSecondsAfterFinished = ttlSecondsAfterFinished;
  }

  public SchemaAheadPolicy getSchemaAhead() {
    return schemaAhead;
  }

  public void setSchemaAhead(SchemaAheadPolicy schemaAhead) {
    this.schemaAhead = schemaAhead;
  }

  public SchemaDriftPolicy getOnSchemaDrift() {
    return onSchemaDrift;
  }

  public void setOnSchemaDrift(SchemaDriftPolicy onSchemaDrift) {
    this.onSchemaDrift = onSchemaDrift;
  }

  public String getRollbackTo() {
    return rollbackTo;
  }

  public void setRollbackTo(String rollbackTo) {
    this.rollbackTo = rollbackTo;
  }

  public String getRollbackImage() {
    return rollbackImage;
  }

  public void setRollbackImage(String rollbackImage) {
    this.rollbackImage = rollbackImage;
  }

  public String getRunId() {
    return runId;
  }

  public void setRunId(String runId) {
    this.runId = runId;
  }
}
