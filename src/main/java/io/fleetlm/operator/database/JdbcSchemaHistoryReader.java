package io.fleetlm.operator.database;

import io.fleetlm.operator.api.MigrationTool;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads the history table over plain JDBC: one short read-only transaction, bounded by connect,
 * socket and statement timeouts, and nothing but prepared statements and validated identifiers.
 * Connections are pooled per database and credentials (at most 2 idle each, 64 in all, closed after
 * 60 s unused): the probe before a Job starts opens the connection its verification reuses.
 */
public class JdbcSchemaHistoryReader implements SchemaHistoryReader {

  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]{0,62}");

  private final Duration timeout;
  private final ConnectionPool pool;

  public JdbcSchemaHistoryReader(Duration timeout) {
    this(timeout, ConnectionPool.withEviction(2, 64, Duration.ofSeconds(60)));
  }

  JdbcSchemaHistoryReader(Duration timeout, ConnectionPool pool) {
    this.timeout = timeout;
    this.pool = pool;
  }

  @Override
  public SchemaHistory read(DatabaseUrl database, MigrationTool tool, String table)
      throws DatabaseUnavailableException {
    String quotedTable = quoteQualified(table);
    try {
      return pool.withConnection(
          poolKey(database),
          () -> open(database),
          connection -> {
            connection.setReadOnly(true);
            connection.setAutoCommit(false);
            try {
              if (!tableExists(connection, quotedTable)) {
                return SchemaHistory.missing(table);
              }
              return new SchemaHistory(table, true, rows(connection, tool, quotedTable));
            } finally {
              connection.rollback();
            }
          });
    } catch (SQLException e) {
      throw unavailable("cannot read " + table + " from " + database, e);
    }
  }

  @Override
  public void probe(DatabaseUrl database) throws DatabaseUnavailableException {
    // Always a new connection: one opened earlier proves nothing about today's credentials.
    // It stays in the pool for the verification that follows the migration.
    try {
      pool.withNewConnection(
          poolKey(database),
          () -> open(database),
          c -> {
            if (!c.isValid((int) Math.max(1, timeout.toSeconds()))) {
              throw new SQLException("the connection did not answer", "08006");
            }
            return null;
          });
    } catch (SQLException e) {
      throw unavailable("cannot connect to " + database, e);
    }
  }

  private Connection open(DatabaseUrl database) throws SQLException {
    return DriverManager.getConnection(database.jdbcUrl(), connectionProperties(database));
  }

  /** The database and its credentials, hashed: the key never holds the password itself. */
  private static String poolKey(DatabaseUrl database) {
    StringBuilder key = new StringBuilder(database.jdbcUrl());
    new TreeMap<>(database.properties())
        .forEach((k, v) -> key.append('\0').append(k).append('=').append(v));
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(key.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static DatabaseUnavailableException unavailable(String what, SQLException e) {
    return new DatabaseUnavailableException(
        what + ": " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e, e.getSQLState());
  }

  private Properties connectionProperties(DatabaseUrl database) {
    long seconds = Math.max(1, timeout.toSeconds());
    Properties properties = database.properties();
    properties.setProperty("connectTimeout", String.valueOf(seconds));
    properties.setProperty("loginTimeout", String.valueOf(seconds));
    properties.setProperty("socketTimeout", String.valueOf(seconds * 2));
    properties.setProperty("options", "-c statement_timeout=" + seconds * 1000);
    properties.setProperty("ApplicationName", "fleetlm-operator");
    properties.setProperty("readOnly", "true");
    return properties;
  }

  private static boolean tableExists(Connection connection, String quotedTable)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement("SELECT to_regclass(?)")) {
      statement.setString(1, quotedTable);
      try (ResultSet result = statement.executeQuery()) {
        return result.next() && result.getString(1) != null;
      }
    }
  }

  private static List<AppliedMigration> rows(
      Connection connection, MigrationTool tool, String quotedTable) throws SQLException {
    String sql =
        switch (tool) {
          case ECTO -> "SELECT version::text, true FROM " + quotedTable;
          case FLYWAY ->
              "SELECT COALESCE(version, 'repeatable:' || description), success FROM "
                  + quotedTable
                  + " WHERE type <> 'SCHEMA'";
        };
    List<AppliedMigration> rows = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(sql);
        ResultSet result = statement.executeQuery()) {
      while (result.next()) {
        rows.add(new AppliedMigration(result.getString(1), result.getBoolean(2)));
      }
    }
    return rows;
  }

  /** The table name comes from the CRD (pattern-checked there); check again before quoting. */
  static String quoteQualified(String table) {
    String[] parts = table.split("\\.", -1);
    if (parts.length > 2) {
      throw new IllegalArgumentException("history table must be TABLE or SCHEMA.TABLE: " + table);
    }
    StringBuilder quoted = new StringBuilder();
    for (String part : parts) {
      if (!IDENTIFIER.matcher(part).matches()) {
        throw new IllegalArgumentException("not a plain SQL identifier: " + part);
      }
      if (quoted.length() > 0) {
        quoted.append('.');
      }
      quoted.append('"').append(part).append('"');
    }
    return quoted.toString();
  }

  @Override
  public void close() {
    pool.close();
  }
}
