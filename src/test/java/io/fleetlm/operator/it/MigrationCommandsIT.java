package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.database.AppliedMigration;
import io.fleetlm.operator.database.SchemaHistory;
import io.fleetlm.operator.kube.MigrationJobFactory;
import io.fleetlm.operator.rollout.RollbackPlan;
import io.fleetlm.operator.verification.ImageContract;
import io.fleetlm.operator.verification.ImageMigrationReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's migration and rollback commands, evaluated for real by the FleetLM test double's
 * release (bin/fleetlm eval, Debian's Elixir) against a real PostgreSQL, on the test machine; and
 * the double failing where FleetLM fails. The real node runs the same images in pods (make e2e).
 */
class MigrationCommandsIT {

  private static final String V1 = "20250930063818";
  private static final String V2 = "20251001063431";
  private static final String V3 = "20251005104320";
  private static final String V4 = "20251019063736";
  private static final String BROKEN = "20251021155555";

  @TempDir Path work;

  private static HostDouble one;
  private static HostDouble two;
  private static HostDouble broken;
  private static HostDouble slow;
  private static HostDouble fastpaca;
  private static TestDatabase db;
  private String database;

  @BeforeAll
  static void buildTheImagesOnThisMachine() {
    one = HostDouble.image("1");
    two = HostDouble.image("2");
    broken = HostDouble.image("broken");
    slow = HostDouble.image("slow");
    fastpaca = HostDouble.image("fastpaca");
    db = TestDatabase.shared();
  }

  @BeforeEach
  void aDatabaseOfItsOwn() {
    database = db.createDatabase();
  }

  @Test
  void theDefaultMigrationMigratesThenReportsWhatTheImageShips() throws IOException {
    Path report = work.resolve("termination-log");

    Tools.Result run = two.eval(defaultMigration(report), env());

    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(applied()).containsExactly(V1, V2, V3, V4);
    assertThat(ImageMigrationReport.parse(Files.readString(report)))
        .contains(new ImageMigrationReport(4, V4, 0, List.of(), 0, List.of()));
    assertThat(db.column(database, "SELECT detail FROM fleetlm_standin_events ORDER BY at"))
        .as("what the double did, recorded in each migration's own transaction")
        .containsExactly(V1, V2, V3, V4);
  }

  @Test
  void aReportThatCannotBeWrittenNeverFailsAMigrationThatSucceeded() {
    Tools.Result run =
        two.eval(defaultMigration(work.resolve("no-such-directory/termination-log")), env());

    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(applied()).containsExactly(V1, V2, V3, V4);
  }

  @Test
  void aFailingMigrationFailsInElixirsWordsKeepsTheOnesBeforeAndLeavesNoReport() {
    Path report = work.resolve("termination-log");

    Tools.Result run = broken.eval(defaultMigration(report), env());

    assertThat(run.exitCode()).isNotZero();
    assertThat(run.output()).contains("** (Postgrex.Error) ERROR 42701 (duplicate_column)");
    assertThat(applied()).as("one transaction per migration").containsExactly(V1, V2, V3, V4);
    assertThat(report).doesNotExist();
  }

  @Test
  void theRollbackBoundRevertsAMigrationAppliedAfterThePlanWasMade() {
    assertThat(two.eval(defaultMigration(work.resolve("log")), env()).exitCode()).isZero();
    // The plan is made while V3 is not applied: it reverts V4 only, down to the target V2.
    db.execute(
        database,
        "ALTER TABLE agents DROP COLUMN debounce_window_ms",
        "DELETE FROM schema_migrations WHERE version = " + V3);
    RollbackPlan plan = RollbackPlan.of(history(), V2);
    assertThat(plan.reverted()).containsExactly(V4);
    // Then V3 is applied again (another migrator), before the rollback runs.
    assertThat(two.eval("Fleetlm.Release.migrate()", env()).exitCode()).isZero();

    Tools.Result run = two.eval(rollbackExpression(plan.inclusiveBound()), env());

    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(applied()).as("everything above the target goes").containsExactly(V1, V2);
  }

  @Test
  void aRollbackSkipsVersionsTheImageHasNoFileForAsEctoDoes() {
    assertThat(two.eval("Fleetlm.Release.migrate()", env()).exitCode()).isZero();

    Tools.Result run = one.eval("Fleetlm.Release.rollback(Fleetlm.Repo, " + V2 + ")", env());

    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(applied())
        .as("image 1 ships V1 and V2 only: V3 and V4 stay, V2 goes")
        .containsExactly(V1, V3, V4);
  }

  @Test
  void aRollbackOfAMigrationWithoutADownPartFails() {
    assertThat(slow.eval("Fleetlm.Release.migrate()", env()).exitCode()).isZero();

    Tools.Result run = slow.eval("Fleetlm.Release.rollback(Fleetlm.Repo, " + V4 + ")", env());

    assertThat(run.exitCode()).isNotZero();
    assertThat(run.output())
        .contains("** (Ecto.MigrationError)")
        .contains("does not implement a `down/0` or `change/0` function");
  }

  @Test
  void anImageAfterTheRenameFailsTheWayTheOperatorCallsUnsupported() {
    Tools.Result migrate = fastpaca.eval(defaultMigration(work.resolve("log")), env());
    Tools.Result rollback = fastpaca.eval(rollbackExpression("20251001063432"), env());

    assertThat(migrate.exitCode()).isNotZero();
    assertThat(migrate.output()).contains("(module Fleetlm.Release is not available)");
    assertThat(ImageContract.unsupported(migrate.output(), "fastpaca", false)).isPresent();
    assertThat(rollback.exitCode()).isNotZero();
    assertThat(ImageContract.unsupported(rollback.output(), "fastpaca", true))
        .get()
        .asString()
        .contains("has no Fleetlm.Release.rollback/2");
    assertThat(applied()).isEmpty();
  }

  @Test
  void theSeedsBareMigrationsCallFailsBecauseNoRepoIsStarted() {
    Tools.Result run = two.eval("Ecto.Migrator.migrations(Fleetlm.Repo)", env());

    assertThat(run.exitCode()).isNotZero();
    assertThat(run.output())
        .contains(
            "could not lookup Ecto repo Fleetlm.Repo because it was not started or it does not"
                + " exist");
  }

  @Test
  void runtimeConfigFailsAsFleetlmsDoes() {
    Tools.Result noKey = two.eval("Fleetlm.Release.migrate()", Map.of("DATABASE_URL", url()));
    Tools.Result noUrl = two.eval("Fleetlm.Release.migrate()", Map.of("SECRET_KEY_BASE", "k"));
    Map<String, String> notANumber = new java.util.HashMap<>(env());
    notANumber.put("POOL_SIZE", "ten");
    Tools.Result badPool = two.eval("Fleetlm.Release.migrate()", notANumber);

    assertThat(noKey.exitCode()).isNotZero();
    assertThat(noKey.output()).contains("environment variable SECRET_KEY_BASE is missing");
    assertThat(noUrl.output()).contains("environment variable DATABASE_URL is missing");
    assertThat(badPool.exitCode()).isNotZero();
    assertThat(badPool.output())
        .as("FleetLM's String.to_integer names no variable")
        .contains("not a textual representation of an integer");
    assertThat(applied()).isEmpty();
  }

  private static String defaultMigration(Path report) {
    String expression = MigrationJobFactory.DEFAULT_ARGS.get(1);
    return expression.replace("/dev/termination-log", report.toString());
  }

  private static String rollbackExpression(String bound) {
    return MigrationJobFactory.rollbackArgs(bound).get(1);
  }

  private Map<String, String> env() {
    return Map.of("DATABASE_URL", url(), "SECRET_KEY_BASE", "a-key-base");
  }

  private String url() {
    return db.ectoUrl(database);
  }

  private List<String> applied() {
    if (db.column(database, "SELECT to_regclass('schema_migrations')::text").get(0) == null) {
      return List.of();
    }
    return db.column(database, "SELECT version::text FROM schema_migrations ORDER BY version");
  }

  private SchemaHistory history() {
    return new SchemaHistory(
        "schema_migrations",
        true,
        applied().stream().map(v -> new AppliedMigration(v, true)).toList());
  }
}
