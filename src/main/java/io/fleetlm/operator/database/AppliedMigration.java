package io.fleetlm.operator.database;

/** One row of a migration history table. Ecto rows are always successful. */
public record AppliedMigration(String version, boolean success) {}
