package io.fleetlm.operator.it;

import static io.fleetlm.operator.it.Releases.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.api.ReleaseOutcome;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each way a migration pod can get stuck, reported with its own reason while the Job still runs, in
 * seconds rather than at the Job's deadline. kwok plays the kubelet: a Stage of ours
 * (hack/cluster/pod-waiting-stage.yaml) puts the pod in the waiting state a kubelet reports, and
 * the exit Stage ends it OOM-killed; the scheduler and the Job controller are the real ones. The
 * real kubelet's own words are checked on the real node (RealNodeE2E).
 */
class StallReportingIT {

  private static final String NAME = "chat";
  private static final String IMAGE = "ghcr.io/acme/fleetlm:1.0.0";

  private ReleaseTestBed bed;

  @BeforeEach
  void setUp() {
    bed = new ReleaseTestBed("stalls");
  }

  @AfterEach
  void tearDown() {
    bed.close();
  }

  @Test
  void anImageThatCannotBePulled() {
    Pod pod = startMigration(r -> {});
    long said = podWaits(pod, "ImagePullBackOff", "Back-off pulling image \"" + IMAGE + "\"");

    ReleaseCondition stalled = awaitStalled("ImagePullFailed", said);
    assertThat(stalled.getMessage())
        .contains("ImagePullBackOff: Back-off pulling image")
        .contains("Fix spec.image");
    assertThat(bed.release(NAME).getStatus().getHistory().get(0).outcome())
        .as("the Job still runs: once the image is there it goes on by itself")
        .isEqualTo(ReleaseOutcome.Migrating);
  }

  @Test
  void aContainerThatCannotBeConfigured() {
    Pod pod = startMigration(r -> {});
    long said = podWaits(pod, "CreateContainerConfigError", "secret \"fleetlm-extra\" not found");

    ReleaseCondition stalled = awaitStalled("ContainerConfigError", said);
    assertThat(stalled.getMessage()).contains("secret \"fleetlm-extra\" not found");
  }

  @Test
  void aPodNoNodeCanTake() {
    long applied = System.nanoTime();
    bed.client
        .resource(
            withSpec(
                Releases.release(bed.namespace, NAME, IMAGE, "1001", 1),
                r -> r.getSpec().setNodeSelector(Map.of("fleetlm.io/pool", "nowhere"))))
        .create();

    ReleaseCondition stalled = awaitStalled("Unschedulable", applied);
    assertThat(stalled.getMessage()).contains("didn't match Pod's node affinity/selector");
  }

  @Test
  void aMigrationKilledForItsMemory() {
    Pod pod = startMigration(r -> {});
    long ended = System.nanoTime();
    end(pod, 137, "OOMKilled");

    FleetlmRelease failed = Releases.awaitPhase(bed.client, bed.namespace, NAME, "Failed");
    report("OOMKilled", ended);
    assertThat(condition(failed, "Stalled").orElseThrow().getReason()).isEqualTo("OOMKilled");
    assertThat(condition(failed, "Ready").orElseThrow().getMessage())
        .contains("Raise spec.resources.limits.memory");
  }

  @Test
  void aMigrationPastItsDeadline() {
    Pod pod = startMigration(r -> r.getSpec().getMigration().setTimeoutSeconds(2L));
    long started = System.nanoTime();

    FleetlmRelease failed = Releases.awaitPhase(bed.client, bed.namespace, NAME, "Failed");
    report("DeadlineExceeded (2 s deadline)", started);
    assertThat(condition(failed, "Stalled").orElseThrow().getReason())
        .isEqualTo("DeadlineExceeded");
    assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo(IMAGE);
  }

  private Pod startMigration(Consumer<FleetlmRelease> change) {
    bed.client
        .resource(withSpec(Releases.release(bed.namespace, NAME, IMAGE, "1001", 1), change))
        .create();
    return bed.container.awaitRunningPod(IMAGE);
  }

  private static FleetlmRelease withSpec(FleetlmRelease release, Consumer<FleetlmRelease> change) {
    change.accept(release);
    return release;
  }

  /** The kubelet's report of a container it cannot start, as the waiting Stage plays it. */
  private long podWaits(Pod pod, String reason, String message) {
    long at = System.nanoTime();
    annotate(
        pod,
        Map.of(
            "kwok.fleetlm.io/waiting-reason", reason, "kwok.fleetlm.io/waiting-message", message));
    return at;
  }

  private void end(Pod pod, int exitCode, String reason) {
    annotate(
        pod,
        Map.of(PodExit.EXIT_CODE, String.valueOf(exitCode), "kwok.fleetlm.io/exit-reason", reason));
  }

  private void annotate(Pod pod, Map<String, String> annotations) {
    bed.client
        .pods()
        .inNamespace(bed.namespace)
        .withName(pod.getMetadata().getName())
        .edit(
            p ->
                new PodBuilder(p)
                    .editMetadata()
                    .addToAnnotations(annotations)
                    .endMetadata()
                    .build());
  }

  private ReleaseCondition awaitStalled(String reason, long since) {
    FleetlmRelease stalled =
        await()
            .atMost(ReleaseTestBed.TIMEOUT)
            .until(
                () -> bed.release(NAME),
                r ->
                    condition(r, "Stalled")
                        .filter(c -> "True".equals(c.getStatus()) && reason.equals(c.getReason()))
                        .isPresent());
    report(reason, since);
    await().atMost(ReleaseTestBed.TIMEOUT).until(() -> bed.eventReasons().contains(reason));
    return condition(stalled, "Stalled").orElseThrow();
  }

  private static void report(String reason, long since) {
    System.out.printf(
        "measured: %s in the status %d ms after the pod (or the spec) said so%n",
        reason, (System.nanoTime() - since) / 1_000_000);
  }
}
