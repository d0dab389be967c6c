package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetlm.operator.api.MigrationTool;
import io.fleetlm.operator.database.AppliedMigration;
import io.fleetlm.operator.database.DatabaseUnavailableException;
import io.fleetlm.operator.database.DatabaseUrl;
import io.fleetlm.operator.database.JdbcSchemaHistoryReader;
import io.fleetlm.operator.database.SchemaHistory;
import io.fleetlm.operator.verification.ExpectedSchema;
import io.fleetlm.operator.verification.MigrationVerifier;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/** Reading real history tables, written by real migrations, from a real PostgreSQL. */
class JdbcSchemaHistoryReaderIT {

  private final TestDatabase db = TestDatabase.shared();
  private final JdbcSchemaHistoryReader reader = new JdbcSchemaHistoryReader(Duration.ofSeconds(2));

  @Test
  void readsEctoVersions() throws Exception {
    String database = db.createDatabase();
    MigrationStandIn.applyEctoMigrations(db, database, 20250930063818L, 20251021155555L);

    SchemaHistory history = reader.read(url(database), MigrationTool.ECTO, "schema_migrations");

    assertThat(history.tableExists()).isTrue();
    assertThat(history.rows())
        .extracting(AppliedMigration::version)
        .containsExactlyInAnyOrder("20250930063818", "20251021155555");
  }

  @Test
  void aProbeTellsARefusedPasswordFromAnUnreachableServer() throws Exception {
    String database = db.createDatabase();
    reader.probe(url(database));

    db.requirePassword("probe_user", "right-password");
    String host = "@localhost:" + db.ectoUrl(database).replaceAll(".*@localhost:", "");
    assertThatThrownBy(() -> reader.probe(DatabaseUrl.parse("ecto://probe_user:wrong" + host)))
        .isInstanceOf(DatabaseUnavailableException.class)
        .satisfies(
            e -> assertThat(((DatabaseUnavailableException) e).credentialsRefused()).isTrue())
        .hasMessageNotContaining("wrong");
    reader.probe(DatabaseUrl.parse("ecto://probe_user:right-password" + host));

    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    int port = closed;
    assertThatThrownBy(() -> reader.probe(DatabaseUrl.parse("ecto://u:p@127.0.0.1:" + port + "/x")))
        .isInstanceOf(DatabaseUnavailableException.class)
        .satisfies(
            e -> assertThat(((DatabaseUnavailableException) e).credentialsRefused()).isFalse());
  }

  @Test
  void reportsAMissingTableWithoutFailing() throws Exception {
    String database = db.createDatabase();
    SchemaHistory history = reader.read(url(database), MigrationTool.ECTO, "schema_migrations");
    assertThat(history.tableExists()).isFalse();
  }

  @Test
  void readsWhatFlywayRecordedAndVerifiesIt() throws Exception {
    String database = flywayMigratedDatabase();

    SchemaHistory history =
        reader.read(url(database), MigrationTool.FLYWAY, "flyway_schema_history");

    assertThat(history.rows())
        .extracting(AppliedMigration::version)
        .contains("1", "1.1", "repeatable:conversation sizes");
    var expected =
        new ExpectedSchema(MigrationTool.FLYWAY, "flyway_schema_history", "1.1", Set.of("1.1"));
    assertThat(MigrationVerifier.verify(history, expected).passed()).isTrue();
    var ahead = new ExpectedSchema(MigrationTool.FLYWAY, "flyway_schema_history", "2", Set.of("2"));
    assertThat(MigrationVerifier.verify(history, ahead).missing()).containsExactly("2");
  }

  @Test
  void seesFailedFlywayRows() throws Exception {
    String database = flywayMigratedDatabase();
    // What Flyway leaves behind when a non-transactional migration fails half-way.
    db.execute(
        database,
        "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
            + " checksum, installed_by, execution_time, success) VALUES (10, '2', 'tenants',"
            + " 'SQL', 'V2__tenants.sql', 1, 'fleetlm', 5, false)");

    SchemaHistory history =
        reader.read(url(database), MigrationTool.FLYWAY, "flyway_schema_history");

    assertThat(history.rows()).contains(new AppliedMigration("2", false));
  }

  @Test
  void unreachableDatabaseIsAnExceptionWorthRetryingAndHoldsNoPassword() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    DatabaseUrl url = DatabaseUrl.parse("ecto://fleet:hunter2@127.0.0.1:" + closedPort + "/x");

    assertThatThrownBy(() -> reader.read(url, MigrationTool.ECTO, "schema_migrations"))
        .isInstanceOf(DatabaseUnavailableException.class)
        .hasMessageContaining("127.0.0.1:" + closedPort)
        .message()
        .doesNotContain("hunter2");
  }

  @Test
  void rejectsTableNamesThatAreNotPlainIdentifiers() {
    assertThatThrownBy(
            () -> reader.read(url(db.createDatabase()), MigrationTool.ECTO, "x; DROP TABLE users"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** A database migrated by Flyway itself, from src/test/resources/db/flyway. */
  private String flywayMigratedDatabase() {
    String database = db.createDatabase();
    Flyway.configure()
        .dataSource(db.dataSource(database))
        .locations("classpath:db/flyway")
        .load()
        .migrate();
    return database;
  }

  private DatabaseUrl url(String database) {
    return DatabaseUrl.parse(db.ectoUrl(database));
  }
}
