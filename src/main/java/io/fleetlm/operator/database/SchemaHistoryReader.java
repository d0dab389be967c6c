package io.fleetlm.operator.database;

import io.fleetlm.operator.api.MigrationTool;

/** Reads a migration history table. The only way the operator touches a database. */
public interface SchemaHistoryReader {

  /**
   * @param table history table, optionally schema-qualified, already validated as identifiers
   */
  SchemaHistory read(DatabaseUrl database, MigrationTool tool, String table)
      throws DatabaseUnavailableException;
}
