package io.fleetlm.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which migration history table the operator reads to verify a migration. */
public enum MigrationTool {
  /** Ecto: {@code schema_migrations(version bigint, inserted_at)}; a row means applied. */
  @JsonProperty("ecto")
  ECTO("schema_migrations"),
  /** Flyway: {@code flyway_schema_history}; a row with {@code success = false} is a failure. */
  @JsonProperty("flyway")
  FLYWAY("flyway_schema_history");

  private final String defaultHistoryTable;

  MigrationTool(String defaultHistoryTable) {
    this.defaultHistoryTable = defaultHistoryTable;
  }

  public String defaultHistoryTable() {
    return defaultHistoryTable;
  }
}
