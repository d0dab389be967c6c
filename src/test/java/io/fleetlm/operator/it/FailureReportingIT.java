package io.fleetlm.operator.it;

import static io.fleetlm.operator.it.Releases.awaitPhase;
import static io.fleetlm.operator.it.Releases.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.ReleaseCondition;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Whatever goes wrong ends in the status, with a reason and the words of whoever refused, and no
 * secret in any output: status, Events, or the operator's log.
 */
class FailureReportingIT {

  private static final String NAME = "chat";
  private static final String IMAGE = "ghcr.io/acme/fleetlm:1.0.0";

  private ReleaseTestBed bed;
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          log.add(
              record.getMessage()
                  + " "
                  + java.util.Arrays.toString(record.getParameters())
                  + " "
                  + record.getThrown());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void setUp() {
    Logger.getLogger("").addHandler(capture);
    bed = new ReleaseTestBed("failures");
  }

  @AfterEach
  void tearDown() {
    Logger.getLogger("").removeHandler(capture);
    bed.close();
  }

  @Test
  void aPodTemplateTheApiServerRefusesStallsWithItsMessageAndAFixedSpecContinues() {
    FleetlmRelease release = Releases.release(bed.namespace, NAME, IMAGE, "1001", 1);
    // Each source is valid on its own, so the CRD takes it; the API server refuses a variable
    // read from two at once.
    release
        .getSpec()
        .setEnv(
            List.of(
                new EnvVarBuilder()
                    .withName("TWO_SOURCES")
                    .withNewValueFrom()
                    .withNewConfigMapKeyRef("key", "settings", false)
                    .withNewSecretKeyRef("key", "credentials", false)
                    .endValueFrom()
                    .build()));
    bed.client.resource(release).create();
    long createdAt = System.nanoTime();

    FleetlmRelease stalled = awaitStalled("InvalidPodTemplate");
    System.out.printf(
        "measured: InvalidPodTemplate in the status %d ms after apply%n",
        (System.nanoTime() - createdAt) / 1_000_000);
    assertThat(condition(stalled, "Stalled").orElseThrow().getMessage())
        .contains("the API server refused the migration Job")
        .contains("may not have more than one field specified at a time");
    assertThat(condition(stalled, "Ready").orElseThrow().getStatus()).isEqualTo("False");
    await().atMost(ReleaseTestBed.TIMEOUT).until(() -> !warnings("InvalidPodTemplate").isEmpty());
    assertThat(bed.jobs()).isEmpty();

    bed.editRelease(NAME, r -> r.getSpec().setEnv(null));
    bed.container.migrateAndSucceed(
        bed.container.awaitRunningPod(IMAGE), bed.db, bed.database, 1001);
    awaitPhase(bed.client, bed.namespace, NAME, "Ready");
  }

  @Test
  void aMigrationThatPrintsSecretsLeavesThemInNoOutput() {
    String password = bed.db.password();
    String keyBase = "test-secret-key-base-not-a-real-one";
    bed.client.resource(Releases.release(bed.namespace, NAME, IMAGE, "1001", 1)).create();

    bed.container.fail(
        bed.container.awaitRunningPod(IMAGE),
        1,
        "** (RuntimeError) crash dump: SECRET_KEY_BASE="
            + keyBase
            + " DATABASE_URL="
            + bed.db.ectoUrl(bed.database)
            + " password="
            + password);

    FleetlmRelease failed = awaitPhase(bed.client, bed.namespace, NAME, "Failed");
    String status = Serialization.asJson(failed.getStatus());
    assertThat(status).contains("crash dump").doesNotContain(password).doesNotContain(keyBase);
    await().atMost(ReleaseTestBed.TIMEOUT).until(() -> !warnings("MigrationJobFailed").isEmpty());
    for (Event event : bed.events()) {
      assertThat(event.getMessage()).doesNotContain(password).doesNotContain(keyBase);
    }
    assertThat(log)
        .isNotEmpty()
        .noneMatch(line -> line.contains(password) || line.contains(keyBase));
  }

  @Test
  void aJobDeletedWhileItRunsIsNamedAsTheCause() {
    bed.client.resource(Releases.release(bed.namespace, NAME, IMAGE, "1001", 1)).create();
    bed.container.awaitRunningPod(IMAGE);
    awaitPhase(bed.client, bed.namespace, NAME, "Migrating");

    bed.client.batch().v1().jobs().inNamespace(bed.namespace).delete();

    FleetlmRelease stalled = awaitStalled("MigrationJobDeleted");
    assertThat(condition(stalled, "Stalled").orElseThrow().getMessage())
        .contains("was deleted before it finished")
        .contains("spec.migration.runId")
        .doesNotContain("no migration has run against this database");
    assertThat(bed.jobs()).as("never a second migration by itself").isEmpty();
  }

  @Test
  void aMigrationPodDeletedWhileItRunsIsNamedAsTheCause() {
    bed.client.resource(Releases.release(bed.namespace, NAME, IMAGE, "1001", 1)).create();
    Pod pod = bed.container.awaitRunningPod(IMAGE);

    bed.client.pods().inNamespace(bed.namespace).withName(pod.getMetadata().getName()).delete();

    FleetlmRelease stalled = awaitStalled("MigrationPodDeleted");
    assertThat(condition(stalled, "Stalled").orElseThrow().getMessage())
        .contains("pod was deleted before the migration container ended");
  }

  @Test
  void eventsOfAnInstallAreInTheOrderTheyHappenedInKubectlDescribe() {
    bed.installReady(Releases.release(bed.namespace, NAME, IMAGE, "1001", 2), 1001);
    await().atMost(ReleaseTestBed.TIMEOUT).until(() -> ownEvents().contains("Ready"));

    // The verification and the phase it moves the release to are one Event.
    assertThat(ownEvents()).containsSubsequence("MigrationRunning", "MigrationsVerified", "Ready");
    String described = bed.describe(NAME);
    String events = described.substring(described.indexOf("Events:"));
    assertThat(events.indexOf("MigrationRunning"))
        .isLessThan(events.indexOf("MigrationsVerified"))
        .isLessThan(events.indexOf("RollingOut"));
    assertThat(events.indexOf("RollingOut")).isLessThan(events.lastIndexOf("Ready"));
  }

  private List<String> ownEvents() {
    return bed.events().stream()
        .filter(e -> "FleetlmRelease".equals(e.getInvolvedObject().getKind()))
        .map(Event::getReason)
        .toList();
  }

  private List<Event> warnings(String reason) {
    return bed.events().stream()
        .filter(e -> reason.equals(e.getReason()) && "Warning".equals(e.getType()))
        .toList();
  }

  private FleetlmRelease awaitStalled(String reason) {
    return await()
        .atMost(ReleaseTestBed.TIMEOUT)
        .until(
            () -> bed.release(NAME),
            r ->
                condition(r, "Stalled")
                    .filter(c -> "True".equals(c.getStatus()))
                    .map(ReleaseCondition::getReason)
                    .filter(reason::equals)
                    .isPresent());
  }
}
