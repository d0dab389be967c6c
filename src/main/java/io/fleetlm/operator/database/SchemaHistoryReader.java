package io.fleetlm.operator.database;

import io.fleetlm.operator.api.MigrationTool;

/** Reads a migration history table. The only way the operator touches a database. */
public interface SchemaHistoryReader extends AutoCloseable {

  /** Ends what the reader holds open (pooled connections); on shutdown. */
  @Override
  default void close() {}

  /**
   * Connects as the release will and asks nothing: does the database answer these credentials? Run
   * before a migration Job exists, so that an unreachable database or a wrong password is said at
   * once rather than by a failing Job.
   */
  void probe(DatabaseUrl database) throws DatabaseUnavailableException;

  /**
   * @param table history table, optionally schema-qualified, already validated as identifiers
   */
  SchemaHistory read(DatabaseUrl database, MigrationTool tool, String table)
      throws DatabaseUnavailableException;
}
