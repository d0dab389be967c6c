package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fleetlm.operator.kube.ResourceNames;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.Test;

/**
 * fleetlm_migration_duration_seconds counts every migration once, by the status write that records
 * its outcome: also one whose pod failed before its start was ever written, and one whose failure
 * an operator did not live to write.
 */
class MigrationCountIT {

  private static final long VERSION = 20251019063736L;

  @Test
  void aMigrationPodThatFailsAsSoonAsItExistsIsCountedOnce() {
    try (ReleaseTestBed bed = new ReleaseTestBed("count-fast");
        Watch failAtOnce = failEveryMigrationPodAsItAppears(bed)) {
      bed.client
          .resource(
              Releases.release(bed.namespace, "chat", "example.invalid/fleetlm:1", "" + VERSION, 1))
          .create();

      Releases.awaitPhase(bed.client, bed.namespace, "chat", "Failed");

      assertThat(failedMigrations(bed)).isEqualTo(1);
    }
  }

  @Test
  void aFailureTheOperatorDidNotLiveToRecordIsCountedOnceByTheNext() {
    try (ReleaseTestBed bed = new ReleaseTestBed("count-restart")) {
      String image = "example.invalid/fleetlm:2";
      bed.client.resource(Releases.release(bed.namespace, "chat", image, "" + VERSION, 1)).create();
      Pod pod = bed.container.awaitRunningPod(image);
      bed.operator.stop();

      bed.container.fail(pod, 1, "** (Postgrex.Error) boom");
      await()
          .atMost(ReleaseTestBed.TIMEOUT)
          .until(
              () -> bed.jobs().get(0).getStatus().getFailed(),
              failed -> failed != null && failed > 0);
      bed.operator.start();

      Releases.awaitPhase(bed.client, bed.namespace, "chat", "Failed");
      assertThat(failedMigrations(bed)).as("counted by the operator that recorded it").isEqualTo(1);
    }
  }

  private static long failedMigrations(ReleaseTestBed bed) {
    Timer timer =
        bed.operator
            .registry()
            .find("fleetlm_migration_duration_seconds")
            .tag("outcome", "failed")
            .timer();
    return timer == null ? 0 : timer.count();
  }

  /** Ends each migration pod the moment the watch delivers it: before the operator sees it run. */
  private static Watch failEveryMigrationPodAsItAppears(ReleaseTestBed bed) {
    return bed.client
        .pods()
        .inNamespace(bed.namespace)
        .withLabel(ResourceNames.LABEL_COMPONENT, ResourceNames.COMPONENT_MIGRATION)
        .watch(
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, Pod pod) {
                if (action != Action.ADDED) {
                  return;
                }
                // The scheduler and kwok write the new pod too: again on a conflict.
                for (int attempt = 0; attempt < 10; attempt++) {
                  try {
                    PodExit.fail(bed.client, pod, 137, "");
                    return;
                  } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) {
                      throw e;
                    }
                  }
                }
              }

              @Override
              public void onClose(WatcherException cause) {}
            });
  }
}
