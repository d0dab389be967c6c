package io.fleetlm.operator.it;

import static io.fleetlm.operator.it.Releases.awaitPhase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fleetlm.operator.api.FleetlmRelease;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Someone changes the operator's Deployment by hand. The operator puts it back within seconds, says
 * so with a DriftCorrected Event, and Ready is never True while the edit stands: judged from the
 * watch streams, not from a read after the fact.
 */
class DriftRepairIT {

  private static final String NAME = "chat";
  private static final String IMAGE = "ghcr.io/acme/fleetlm:1.0.0";
  private static final Duration REPAIR = Duration.ofSeconds(10);

  private ReleaseTestBed bed;

  @BeforeEach
  void setUp() {
    bed = new ReleaseTestBed("drift");
    FleetlmRelease release = Releases.release(bed.namespace, NAME, IMAGE, "1001", 3);
    release.getSpec().setEnv(List.of(new EnvVar("POOL_SIZE", "10", null)));
    bed.installReady(release, 1001);
  }

  @AfterEach
  void tearDown() {
    bed.close();
  }

  @Test
  void scaledToZeroIsScaledBack() {
    bed.client.apps().deployments().inNamespace(bed.namespace).withName(NAME).scale(0);

    assertRepaired(d -> d.getSpec().getReplicas() == 0, d -> d.getSpec().getReplicas() == 3);
    assertThat(driftEvents())
        .singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("spec.replicas: 0, want 3"));
  }

  @Test
  void anUnverifiedImageIsReplacedByTheVerifiedOne() {
    bed.watcher.expectForeignImage("ghcr.io/evil/fleetlm:latest");
    edit(d -> app(d).setImage("ghcr.io/evil/fleetlm:latest"));

    assertRepaired(d -> !IMAGE.equals(app(d).getImage()), d -> IMAGE.equals(app(d).getImage()));
    assertThat(driftEvents().get(0).getMessage()).contains("image: ghcr.io/evil/fleetlm:latest");
  }

  @Test
  void migrateOnBootTrueIsSetBackToFalse() {
    edit(d -> env(d, "MIGRATE_ON_BOOT").setValue("true"));

    assertRepaired(
        d -> !"false".equals(env(d, "MIGRATE_ON_BOOT").getValue()),
        d -> "false".equals(env(d, "MIGRATE_ON_BOOT").getValue()));
    assertThat(driftEvents().get(0).getMessage())
        .contains("env[MIGRATE_ON_BOOT].value: true, want false");
  }

  @Test
  void aChangedEnvironmentVariableIsPutBack() {
    edit(d -> env(d, "POOL_SIZE").setValue("200"));

    assertRepaired(
        d -> "200".equals(env(d, "POOL_SIZE").getValue()),
        d -> "10".equals(env(d, "POOL_SIZE").getValue()));
  }

  @Test
  void aDeletedDeploymentIsCreatedAgain() {
    String uid = bed.deployment(NAME).getMetadata().getUid();
    bed.client.apps().deployments().inNamespace(bed.namespace).withName(NAME).delete();

    await()
        .atMost(REPAIR)
        .until(() -> bed.deployment(NAME), d -> d != null && !uid.equals(d.getMetadata().getUid()));
    await().atMost(REPAIR).until(() -> driftCount() >= 1);
    awaitPhase(bed.client, bed.namespace, NAME, "Ready");
    assertThat(bed.watcher.readyWhile(NAME, d -> false))
        .as("Ready while the Deployment did not exist")
        .isEmpty();
    assertThat(driftEvents().get(0).getMessage()).contains("deleted");
  }

  @Test
  void theSameEditRepeatedIsOneEventCountedTwice() {
    for (int round = 1; round <= 2; round++) {
      bed.client.apps().deployments().inNamespace(bed.namespace).withName(NAME).scale(0);
      assertRepaired(
          d -> d.getSpec().getReplicas() == 0, d -> d.getSpec().getReplicas() == 3, round);
    }
    Event drift = driftEvents().get(0);
    assertThat(driftEvents()).hasSize(1);
    assertThat(drift.getCount()).isEqualTo(2);
    String described = bed.describe(NAME);
    assertThat(described).containsPattern("DriftCorrected\\s+.*\\(x2 over");
  }

  /**
   * The edit is undone within seconds, the release is Ready again afterwards, and no status event
   * said Ready=True while the Deployment was in the edited state.
   */
  private void assertRepaired(Predicate<Deployment> edited, Predicate<Deployment> repaired) {
    assertRepaired(edited, repaired, 1);
  }

  private void assertRepaired(
      Predicate<Deployment> edited, Predicate<Deployment> repaired, int corrections) {
    long editedAt = System.nanoTime();
    await().atMost(REPAIR).until(() -> bed.deployment(NAME), d -> d != null && repaired.test(d));
    System.out.printf(
        "measured: Deployment put back %d ms after the edit%n",
        (System.nanoTime() - editedAt) / 1_000_000);
    // The Event follows the status write that took Ready away; the next Ready is the new one.
    await().atMost(REPAIR).until(() -> driftCount() >= corrections);
    awaitPhase(bed.client, bed.namespace, NAME, "Ready");
    assertThat(bed.watcher.readyWhile(NAME, edited))
        .as("status events with Ready=True while the edit stood")
        .isEmpty();
  }

  private void edit(Consumer<Deployment> change) {
    bed.client
        .apps()
        .deployments()
        .inNamespace(bed.namespace)
        .withName(NAME)
        .edit(
            d -> {
              change.accept(d);
              return d;
            });
  }

  private int driftCount() {
    return driftEvents().stream().mapToInt(e -> e.getCount() == null ? 1 : e.getCount()).sum();
  }

  private List<Event> driftEvents() {
    return bed.events().stream()
        .filter(e -> "DriftCorrected".equals(e.getReason()))
        .filter(e -> "Warning".equals(e.getType()))
        .toList();
  }

  private static Container app(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  private static EnvVar env(Deployment deployment, String name) {
    return app(deployment).getEnv().stream()
        .filter(e -> Objects.equals(name, e.getName()))
        .findFirst()
        .orElseThrow();
  }
}
