package io.fleetlm.operator.database;

import java.util.List;

/** What a migration history table holds; {@code tableExists=false} when it has not been made. */
public record SchemaHistory(String table, boolean tableExists, List<AppliedMigration> rows) {

  public static SchemaHistory missing(String table) {
    return new SchemaHistory(table, false, List.of());
  }
}
