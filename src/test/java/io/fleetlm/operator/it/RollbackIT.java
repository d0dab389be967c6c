package io.fleetlm.operator.it;

import static io.fleetlm.operator.it.Releases.awaitPhase;
import static io.fleetlm.operator.it.Releases.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.rollout.RolloutState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * FleetLM's rollback, declared in the spec: the newer image reverts the schema, the database is
 * checked, and only then does the older image run. The test plays the rollback container for real:
 * it reverts the migration's table and its schema_migrations row in the test database.
 */
class RollbackIT {

  private static final String NAME = "chat";
  private static final String V1 = "ghcr.io/acme/fleetlm:1.0.0";
  private static final String V2 = "ghcr.io/acme/fleetlm:2.0.0";

  private ReleaseTestBed bed;

  @BeforeEach
  void setUp() {
    bed = new ReleaseTestBed("rollback");
    bed.installReady(Releases.release(bed.namespace, NAME, V1, "1001", 2), 1001);
    bed.editRelease(
        NAME,
        r -> {
          r.getSpec().setImage(V2);
          r.getSpec().getMigration().setExpectedVersion("1002");
        });
    bed.container.migrateAndSucceed(bed.container.awaitRunningPod(V2), bed.db, bed.database, 1002);
    await()
        .atMost(ReleaseTestBed.TIMEOUT)
        .until(
            () ->
                awaitPhase(bed.client, bed.namespace, NAME, "Ready").getStatus().getCurrentImage(),
            V2::equals);
  }

  @AfterEach
  void tearDown() {
    bed.close();
  }

  @Test
  void theNewerImageRevertsTheSchemaThenTheOlderImageIsDeployed() {
    rollBackToV1();

    Pod rollback = bed.container.awaitRunningPod(V2);
    assertThat(rollback.getSpec().getContainers().get(0).getArgs())
        .as("Ecto's to: is inclusive: the target + 1")
        .containsExactly("eval", "Fleetlm.Release.rollback(Fleetlm.Repo, 1002)");
    assertThat(condition(bed.release(NAME), "Ready").orElseThrow().getReason())
        .isEqualTo("RollbackRunning");
    assertThat(RolloutState.imageOf(bed.deployment(NAME)))
        .as("the newer image serves while its schema is reverted")
        .isEqualTo(V2);

    revert1002();
    PodExit.succeed(bed.client, rollback);

    FleetlmRelease ready =
        await()
            .atMost(ReleaseTestBed.TIMEOUT)
            .until(
                () -> awaitPhase(bed.client, bed.namespace, NAME, "Ready"),
                r -> V1.equals(r.getStatus().getCurrentImage()));
    assertThat(condition(ready, "MigrationsVerified").orElseThrow().getReason())
        .isEqualTo("RolledBack");
    ReleaseRecord record = ready.getStatus().getHistory().get(0);
    assertThat(record.rollbackTo()).isEqualTo("1001");
    assertThat(record.rollbackJob()).isEqualTo(V2 + " reverting every version from 1002 up");
    assertThat(record.schemaVersion()).isEqualTo("1001");
    await().atMost(ReleaseTestBed.TIMEOUT).until(() -> bed.eventReasons().contains("RolledBack"));
    assertThat(bed.describe(NAME)).contains("RolledBack").contains("ends at 1001");
    assertThat(bed.watcher.appPodImages()).containsExactlyInAnyOrder(V1, V2);
  }

  @Test
  void aFailedRollbackLeavesTheNewerImageServing() {
    rollBackToV1();

    bed.container.fail(
        bed.container.awaitRunningPod(V2),
        1,
        "** (Ecto.MigrationError) no down migration for 1002");

    FleetlmRelease failed = awaitPhase(bed.client, bed.namespace, NAME, "Failed");
    assertThat(condition(failed, "Ready").orElseThrow().getMessage())
        .contains("no down migration for 1002")
        .contains("the Deployment keeps running " + V2);
    assertThat(RolloutState.imageOf(bed.deployment(NAME))).isEqualTo(V2);
    assertThat(bed.appPods())
        .allSatisfy(p -> assertThat(p.getSpec().getContainers().get(0).getImage()).isEqualTo(V2));
    assertThat(bed.db.column(bed.database, "SELECT version FROM schema_migrations ORDER BY 1"))
        .containsExactly("1001", "1002");
  }

  @Test
  void theOlderImageAloneIsRefusedByItsOwnMigrationReport() {
    bed.editRelease(
        NAME,
        r -> {
          r.getSpec().setImage(V1);
          r.getSpec().getMigration().setExpectedVersion(null);
        });
    // The older image migrates nothing and says so, as Ecto.Migrator.migrations would: 1002 is
    // in the database, and it has no file for it.
    PodExit.succeed(
        bed.client,
        bed.container.awaitRunningPod(V1),
        "fleetlm-migrations/v1 shipped=1 newest=1001 down=0 unknown=1,1002");

    FleetlmRelease refused = awaitPhase(bed.client, bed.namespace, NAME, "Failed");
    assertThat(condition(refused, "Ready").orElseThrow().getReason())
        .isEqualTo("UnknownMigrationsInDatabase");
    assertThat(condition(refused, "Ready").orElseThrow().getMessage())
        .contains("1 migration(s) this image has no file for")
        .contains("spec.migration.rollbackTo");
    assertThat(RolloutState.imageOf(bed.deployment(NAME))).isEqualTo(V2);
  }

  private void rollBackToV1() {
    bed.editRelease(
        NAME,
        r -> {
          r.getSpec().setImage(V1);
          r.getSpec().getMigration().setExpectedVersion("1001");
          r.getSpec().getMigration().setRollbackTo("1001");
        });
  }

  /** What Ecto.Migrator.run(repo, :down, to: 1002) does: the down migration, then the row. */
  private void revert1002() {
    bed.db.execute(
        bed.database,
        "DROP TABLE feature_1002",
        "DELETE FROM schema_migrations WHERE version >= 1002");
  }
}
