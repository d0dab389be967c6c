package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.ReleaseCondition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * A Ready release is Ready against the database its spec names now: pointed at another database, it
 * migrates that database, verifies it there, and only then rolls its pods onto it. Ready is False
 * meanwhile. (A URL changed in place within the same Secret is seen at the next resync; the
 * reconciler's unit tests cover it.)
 */
class DatabaseChangeIT {

  private static final String IMAGE = "example.invalid/fleetlm:1.0.0";
  private static final long VERSION = 20251019063736L;

  @Test
  void aReleasePointedAtAnEmptyDatabaseMigratesItBeforeAnyPodUsesIt() {
    try (ReleaseTestBed bed = new ReleaseTestBed("db-change")) {
      bed.installReady(Releases.release(bed.namespace, "chat", IMAGE, "" + VERSION, 2), VERSION);
      String empty = bed.db.createDatabase();
      Releases.createDatabaseSecretNamed(bed.client, bed.namespace, "moved", bed.db.ectoUrl(empty));

      bed.editRelease("chat", r -> r.getSpec().getDatabase().getUrlSecretRef().setName("moved"));
      Pod migration = bed.container.awaitRunningPod(IMAGE);

      FleetlmRelease migrating = awaitObserved(bed, "chat");
      assertThat(Releases.condition(migrating, "Ready").orElseThrow().getStatus())
          .isEqualTo("False");
      assertThat(migrating.getStatus().getDatabase()).isEqualTo(bed.db.identity(empty));
      assertThat(bed.jobs()).as("one Job for each database").hasSize(2);
      assertThat(databaseSecretsOfPods(bed))
          .as("the pods keep the database they were verified against")
          .containsOnly(Releases.SECRET);
      assertThat(bed.describe("chat")).contains("DatabaseChanged");

      bed.container.migrateAndSucceed(migration, bed.db, empty, VERSION);

      FleetlmRelease ready = Releases.awaitPhase(bed.client, bed.namespace, "chat", "Ready");
      assertThat(ready.getStatus().getVerifiedMigrationId())
          .isEqualTo(ready.getStatus().getTargetMigrationId());
      await()
          .atMost(ReleaseTestBed.TIMEOUT)
          .until(
              () -> databaseSecretsOfPods(bed),
              secrets -> secrets.equals(List.of("moved", "moved")));
      assertThat(bed.db.column(empty, "SELECT version::text FROM schema_migrations"))
          .containsExactly("" + VERSION);
    }
  }

  @Test
  void aUrlChangedInPlaceIsMigratedAndVerifiedThenThePodsAreReplaced() {
    try (ReleaseTestBed bed =
        ReleaseTestBed.withSettings("db-inplace", Map.of("fleetlm.operator.resync", "3s"))) {
      bed.installReady(Releases.release(bed.namespace, "chat", IMAGE, "" + VERSION, 1), VERSION);
      String podBefore = bed.appPods().get(0).getMetadata().getName();
      String restored = bed.db.createDatabase();

      // The same Secret, another database: seen at a resync, once the Secret cache's copy expires.
      bed.client
          .secrets()
          .inNamespace(bed.namespace)
          .withName(Releases.SECRET)
          .edit(
              s ->
                  new SecretBuilder(s)
                      .withData(null)
                      .addToStringData("DATABASE_URL", bed.db.ectoUrl(restored))
                      .addToStringData("SECRET_KEY_BASE", "test-secret-key-base-not-a-real-one")
                      .build());
      Pod migration =
          await()
              .atMost(Duration.ofSeconds(90))
              .until(() -> bed.container.runningPods(), pods -> !pods.isEmpty())
              .get(0);

      // The pass that created the Job writes its status after it: the pod may run first.
      ReleaseCondition ready =
          Releases.awaitReadyReason(
              bed.client, bed.namespace, "chat", "MigrationRunning", ReleaseTestBed.TIMEOUT);
      assertThat(ready.getStatus()).isEqualTo("False");
      assertThat(bed.release("chat").getStatus().getDatabase())
          .isEqualTo(bed.db.identity(restored));
      assertThat(bed.appPods())
          .extracting(p -> p.getMetadata().getName())
          .as("nothing is replaced before the new database is verified")
          .containsExactly(podBefore);

      bed.container.migrateAndSucceed(migration, bed.db, restored, VERSION);

      Releases.awaitPhase(bed.client, bed.namespace, "chat", "Ready");
      await()
          .atMost(ReleaseTestBed.TIMEOUT)
          .until(
              () -> bed.appPods().stream().map(p -> p.getMetadata().getName()).toList(),
              names -> names.size() == 1 && !names.contains(podBefore));
    }
  }

  /** The release once the operator has answered its latest spec. */
  private static FleetlmRelease awaitObserved(ReleaseTestBed bed, String name) {
    return await()
        .atMost(ReleaseTestBed.TIMEOUT)
        .until(
            () -> bed.release(name),
            r ->
                r.getStatus() != null
                    && Objects.equals(
                        r.getMetadata().getGeneration(), r.getStatus().getObservedGeneration()));
  }

  /** The Secret each app pod reads DATABASE_URL from. */
  private static List<String> databaseSecretsOfPods(ReleaseTestBed bed) {
    return bed.appPods().stream()
        .map(
            pod ->
                pod.getSpec().getContainers().get(0).getEnv().stream()
                    .filter(e -> e.getName().equals("DATABASE_URL"))
                    .map(EnvVar::getValueFrom)
                    .map(v -> v.getSecretKeyRef().getName())
                    .findFirst()
                    .orElseThrow())
        .toList();
  }
}
