package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.api.SchemaDriftPolicy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A Ready release reads its history table again at every resync (here every 3 s): a database
 * restored from an older backup no longer holds what was verified, and Ready must say so.
 */
class SchemaDriftIT {

  private static final String IMAGE = "example.invalid/fleetlm:1.0.0";
  private static final long V1 = 20251019063736L;
  private static final long V2 = 20251021155555L;

  @Test
  void aDatabaseRestoredToAnOlderVersionIsReportedWithinOneResyncAndRecovers() {
    try (ReleaseTestBed bed =
        ReleaseTestBed.withSettings("drift", Map.of("fleetlm.operator.resync", "3s"))) {
      String pod = readyWithOnePod(bed, Releases.release(bed.namespace, "chat", IMAGE, "" + V2, 1));

      // What a restore from a backup taken before V2 leaves: V2's row gone.
      bed.db.execute(bed.database, "DELETE FROM schema_migrations WHERE version = " + V2);

      ReleaseCondition ready =
          Releases.awaitReadyReason(
              bed.client, bed.namespace, "chat", "SchemaBehind", Duration.ofSeconds(30));
      assertThat(ready.getStatus()).isEqualTo("False");
      assertThat(ready.getMessage()).contains("" + V2);
      assertThat(bed.describe("chat")).contains("SchemaBehind");
      assertThat(bed.appPods()).as("the verified pods keep serving").hasSize(1);
      assertThat(bed.appPods().get(0).getMetadata().getName()).isEqualTo(pod);
      assertThat(bed.jobs()).as("nothing is migrated unasked").hasSize(1);

      bed.db.execute(
          bed.database,
          "INSERT INTO schema_migrations (version, inserted_at) VALUES (" + V2 + ", now())");
      Releases.awaitPhase(bed.client, bed.namespace, "chat", "Ready", Duration.ofSeconds(30));
    }
  }

  @Test
  void withOnSchemaDriftMigrateTheLostVersionsAreMigratedAgainWhileThePodsKeepServing() {
    try (ReleaseTestBed bed =
        ReleaseTestBed.withSettings("repair", Map.of("fleetlm.operator.resync", "3s"))) {
      var release = Releases.release(bed.namespace, "chat", IMAGE, "" + V2, 1);
      release.getSpec().getMigration().setOnSchemaDrift(SchemaDriftPolicy.Migrate);
      String pod = readyWithOnePod(bed, release);

      bed.db.execute(bed.database, "DELETE FROM schema_migrations WHERE version = " + V2);

      // The stand-in plays the repair Job's container: it applies V2 again, for real.
      Pod repair = bed.container.awaitRunningPod(IMAGE);
      assertThat(bed.jobs()).as("the first Job and the repair").hasSize(2);
      assertThat(bed.describe("chat")).contains("SchemaBehind");
      bed.container.migrateAndSucceed(repair, bed.db, bed.database, V1, V2);

      Releases.awaitPhase(bed.client, bed.namespace, "chat", "Ready", Duration.ofSeconds(30));
      assertThat(bed.db.column(bed.database, "SELECT version FROM schema_migrations"))
          .contains("" + V2);
      assertThat(bed.appPods()).as("the repair replaces no pod").hasSize(1);
      assertThat(bed.appPods().get(0).getMetadata().getName()).isEqualTo(pod);
      assertThat(bed.jobs()).as("one repair").hasSize(2);
    }
  }

  /** Creates the release, plays its migration (V1, V2) and returns its one app pod's name. */
  private static String readyWithOnePod(ReleaseTestBed bed, FleetlmRelease release) {
    bed.client.resource(release).create();
    bed.container.migrateAndSucceed(
        bed.container.awaitRunningPod(IMAGE), bed.db, bed.database, V1, V2);
    Releases.awaitPhase(bed.client, bed.namespace, "chat", "Ready");
    await().atMost(ReleaseTestBed.TIMEOUT).until(() -> bed.appPods().size() == 1);
    return bed.appPods().get(0).getMetadata().getName();
  }
}
