package io.fleetlm.operator.it;

import static io.fleetlm.operator.it.Releases.awaitPhase;
import static io.fleetlm.operator.it.Releases.condition;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.ReleaseCondition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator on the local cluster with its migration pods played by the FleetLM test double: the
 * Job's own command runs in Debian's Elixir on this machine with the pod's variables, against the
 * test's PostgreSQL, and its exit code and termination message (or log tail) end the pod. The same
 * flows run in real pods in RealNodeE2E; here they run in every `make test`, root or not.
 */
class DoubleMigrationIT {

  private static final String NAME = "chat";
  private static final String IMAGE_2 = "localhost/fleetlm/app:2";
  private static final String BROKEN = "localhost/fleetlm/app:broken";
  private static final String FASTPACA = "localhost/fleetlm/app:fastpaca";
  private static final String V4 = "20251019063736";

  private static HostDouble two;
  private static HostDouble broken;
  private static HostDouble fastpaca;

  private ReleaseTestBed bed;

  @BeforeAll
  static void buildTheImagesOnThisMachine() {
    two = HostDouble.image("2");
    broken = HostDouble.image("broken");
    fastpaca = HostDouble.image("fastpaca");
  }

  @BeforeEach
  void setUp() {
    bed = new ReleaseTestBed("double");
  }

  @AfterEach
  void tearDown() {
    bed.close();
  }

  @Test
  void theImagesOwnMigrationListVerifiesTheReleaseThenAFailureIsToldFromItsLogTail() {
    FleetlmRelease release = Releases.release(bed.namespace, NAME, IMAGE_2, null, 1);
    bed.client.resource(release).create();
    Tools.Result migrated =
        bed.container.playWithTheDouble(bed.container.awaitRunningPod(IMAGE_2), two);
    assertThat(migrated.exitCode()).as(migrated.output()).isZero();

    FleetlmRelease ready = awaitPhase(bed.client, bed.namespace, NAME, "Ready");
    assertThat(ready.getStatus().getSchemaVersion()).isEqualTo(V4);
    assertThat(ready.getStatus().getHistory().get(0).output())
        .as("what the double's Ecto.Migrator.migrations said, in the termination message")
        .isEqualTo("fleetlm-migrations/v1 shipped=4 newest=" + V4 + " down=0 unknown=0");

    bed.editRelease(NAME, r -> r.getSpec().setImage(BROKEN));
    Tools.Result failed =
        bed.container.playWithTheDouble(bed.container.awaitRunningPod(BROKEN), broken);
    assertThat(failed.exitCode()).isNotZero();

    FleetlmRelease stopped = awaitPhase(bed.client, bed.namespace, NAME, "Failed");
    assertThat(stopped.getStatus().getFailureMessage())
        .as("the Elixir crash first, then the log tail it came from")
        .contains(
            "exit code 1 (Error): ** (Postgrex.Error) ERROR 42701 (duplicate_column) column"
                + " \"debounce_window_ms\" of relation \"agents\" already exists; output:")
        .contains("== Running 20251021155555");
    assertThat(stopped.getStatus().getCurrentImage()).isEqualTo(IMAGE_2);
  }

  @Test
  void anImageAfterTheRenameIsUnsupportedWithinOneReconcileOfItsEnd() {
    FleetlmRelease release = Releases.release(bed.namespace, NAME, FASTPACA, null, 1);
    bed.client.resource(release).create();
    bed.container.playWithTheDouble(bed.container.awaitRunningPod(FASTPACA), fastpaca);

    FleetlmRelease failed = awaitPhase(bed.client, bed.namespace, NAME, "Failed");
    ReleaseCondition ready = condition(failed, "Ready").orElseThrow();
    assertThat(ready.getReason()).isEqualTo("UnsupportedImage");
    assertThat(ready.getMessage())
        .contains("spec.migration.args")
        .contains("(module Fleetlm.Release is not available)");
    assertThat(condition(failed, "Stalled").orElseThrow().getStatus()).isEqualTo("True");
  }
}
