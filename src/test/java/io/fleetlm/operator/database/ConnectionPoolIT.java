package io.fleetlm.operator.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fleetlm.operator.api.MigrationTool;
import io.fleetlm.operator.it.MigrationStandIn;
import io.fleetlm.operator.it.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The history reader's connections, as the real PostgreSQL sees them in pg_stat_activity. */
class ConnectionPoolIT {

  private final TestDatabase db = TestDatabase.shared();
  private final AtomicLong nanos = new AtomicLong();
  private final ConnectionPool pool = new ConnectionPool(2, 3, Duration.ofSeconds(60), nanos::get);
  private final JdbcSchemaHistoryReader reader =
      new JdbcSchemaHistoryReader(Duration.ofSeconds(2), pool);

  @Test
  void aProbeAndTheReadsAfterItShareOneConnectionThatSurvivesItsLoss() throws Exception {
    String database = db.createDatabase();
    MigrationStandIn.applyEctoMigrations(db, database, 1001);
    DatabaseUrl url = DatabaseUrl.parse(db.ectoUrl(database));

    reader.probe(url);
    reader.read(url, MigrationTool.ECTO, "schema_migrations");
    reader.read(url, MigrationTool.ECTO, "schema_migrations");
    awaitBackends(database, 1);

    db.column(
        "postgres",
        "SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE datname = '"
            + database
            + "' AND application_name = 'fleetlm-operator'");
    SchemaHistory history = reader.read(url, MigrationTool.ECTO, "schema_migrations");

    assertThat(history.rows()).extracting(AppliedMigration::version).containsExactly("1001");
    awaitBackends(database, 1);
  }

  @Test
  void closingTheReaderEndsItsSessionsAndPoolsNoMore() throws Exception {
    String database = db.createDatabase();
    MigrationStandIn.applyEctoMigrations(db, database, 1001);
    DatabaseUrl url = DatabaseUrl.parse(db.ectoUrl(database));
    reader.read(url, MigrationTool.ECTO, "schema_migrations");
    awaitBackends(database, 1);

    reader.close();

    awaitBackends(database, 0);
    pool.withConnection("after", () -> open(database), connection -> null);
    assertThat(pool.idleCount()).as("a closed pool keeps nothing").isZero();
  }

  @Test
  void idleConnectionsAreBoundedAndClosedAfterTheirTimeout() throws Exception {
    String[] databases = {db.createDatabase(), db.createDatabase()};
    // Two at once on the first database: both are kept (2 per database).
    pool.withConnection(
        "first",
        () -> open(databases[0]),
        outer -> pool.withConnection("first", () -> open(databases[0]), inner -> null));
    assertThat(pool.idleCount()).isEqualTo(2);
    // Two more on the second: only one fits under the total of 3.
    pool.withConnection(
        "second",
        () -> open(databases[1]),
        outer -> pool.withConnection("second", () -> open(databases[1]), inner -> null));
    assertThat(pool.idleCount()).isEqualTo(3);
    awaitBackends(databases[1], 1);

    nanos.addAndGet(Duration.ofSeconds(59).toNanos());
    pool.evictIdle();
    assertThat(pool.idleCount()).isEqualTo(3);
    nanos.addAndGet(Duration.ofSeconds(1).toNanos());
    pool.evictIdle();

    assertThat(pool.idleCount()).isZero();
    awaitBackends(databases[0], 0);
    awaitBackends(databases[1], 0);
  }

  private Connection open(String database) throws java.sql.SQLException {
    java.util.Properties properties = DatabaseUrl.parse(db.ectoUrl(database)).properties();
    properties.setProperty("ApplicationName", "fleetlm-operator");
    return DriverManager.getConnection(
        DatabaseUrl.parse(db.ectoUrl(database)).jdbcUrl(), properties);
  }

  /** A backend ends a moment after its connection closes: wait for the count to settle. */
  private void awaitBackends(String database, int expected) {
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () ->
                assertThat(
                        db.column(
                            "postgres",
                            "SELECT count(*)::text FROM pg_stat_activity WHERE datname = '"
                                + database
                                + "' AND application_name = 'fleetlm-operator'"))
                    .containsExactly(String.valueOf(expected)));
  }
}
