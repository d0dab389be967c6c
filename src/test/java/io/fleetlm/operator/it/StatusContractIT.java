package io.fleetlm.operator.it;

import static io.fleetlm.operator.it.Releases.awaitPhase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.gitops.ArgoCdHealth;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Status is read by tools, not people: the release as the API server serves it is given to the real
 * kstatus library (what Flux and kpt use), to our Argo CD health check and to kubectl wait, in
 * every phase, including just applied and paused.
 */
class StatusContractIT {

  private static final String NAME = "chat";
  private static final String V1 = "ghcr.io/acme/fleetlm:1.0.0";
  private static final String V2 = "ghcr.io/acme/fleetlm:2.0.0";

  private ReleaseTestBed bed;

  @BeforeEach
  void setUp() {
    bed = new ReleaseTestBed("contract");
  }

  @AfterEach
  void tearDown() {
    bed.close();
  }

  @Test
  void aReleaseNobodyReconciledYetIsInProgressNotCurrent() {
    bed.operator.stop();
    bed.client.resource(Releases.release(bed.namespace, NAME, V1, "1001", 1)).create();

    JsonNode served = served();
    assertThat(served.at("/status/observedGeneration").asLong(-1))
        .as("the CRD's status default")
        .isZero();
    assertThat(kstatus()).startsWith("InProgress");
    assertThat(argo().status()).isEqualTo("Progressing");
    assertThat(kubectlWaitReady()).as("kubectl wait returns only when Ready").isFalse();
  }

  @Test
  void everyPhaseReadsTheSameToKstatusArgoCdAndKubectlWait() {
    bed.client.resource(Releases.release(bed.namespace, NAME, V1, "1001", 2)).create();
    var pod = bed.container.awaitRunningPod(V1);
    awaitPhase(bed.client, bed.namespace, NAME, "Migrating");
    assertThat(kstatus()).startsWith("InProgress");
    assertThat(argo().status()).isEqualTo("Progressing");

    bed.container.migrateAndSucceed(pod, bed.db, bed.database, 1001);
    awaitPhase(bed.client, bed.namespace, NAME, "Ready");
    assertThat(kstatus()).startsWith("Current");
    assertThat(argo().status()).isEqualTo("Healthy");
    assertThat(kubectlWaitReady()).isTrue();

    // Paused together with a new image: the old image runs, so nothing may say Ready.
    bed.editRelease(
        NAME,
        r -> {
          r.getSpec().setPaused(true);
          r.getSpec().setImage(V2);
        });
    await()
        .atMost(ReleaseTestBed.TIMEOUT)
        .until(
            () -> bed.release(NAME),
            r -> r.getStatus().getObservedGeneration().equals(r.getMetadata().getGeneration()));
    assertThat(kstatus()).startsWith("InProgress");
    assertThat(argo().status()).isEqualTo("Suspended");
    assertThat(kubectlWaitReady()).isFalse();

    // Resumed, and the new migration fails: Failed for kstatus, Degraded for Argo CD.
    bed.editRelease(NAME, r -> r.getSpec().setPaused(false));
    bed.container.fail(bed.container.awaitRunningPod(V2), 1, "relation already exists");
    awaitPhase(bed.client, bed.namespace, NAME, "Failed");
    assertThat(kstatus()).startsWith("Failed");
    assertThat(argo().status()).isEqualTo("Degraded");
    assertThat(kubectlWaitReady()).isFalse();
  }

  @Test
  void pausedWithNothingPendingStaysReady() {
    FleetlmRelease release = Releases.release(bed.namespace, NAME, V1, "1001", 1);
    bed.installReady(release, 1001);
    bed.editRelease(NAME, r -> r.getSpec().setPaused(true));
    await()
        .atMost(ReleaseTestBed.TIMEOUT)
        .until(
            () -> bed.release(NAME),
            r -> r.getStatus().getObservedGeneration().equals(r.getMetadata().getGeneration()));

    assertThat(kstatus()).startsWith("Current");
    assertThat(argo().status()).isEqualTo("Suspended");
    assertThat(kubectlWaitReady()).isTrue();
  }

  private JsonNode served() {
    return StatusReaders.served(bed.client, bed.namespace, NAME);
  }

  private String kstatus() {
    return StatusReaders.kstatus(bed.client, bed.namespace, NAME);
  }

  private ArgoCdHealth.Health argo() {
    return StatusReaders.argo(bed.client, bed.namespace, NAME);
  }

  private boolean kubectlWaitReady() {
    return StatusReaders.kubectlWaitReady(bed.namespace, NAME);
  }
}
