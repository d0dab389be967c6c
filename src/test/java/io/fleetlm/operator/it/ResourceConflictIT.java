package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.kube.OwnerReferences;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * FleetLM's own manifests create a LoadBalancer Service named {@code fleetlm}: the name a release
 * called {@code fleetlm} gives its Service. The operator must not take it over.
 */
class ResourceConflictIT {

  private static final String IMAGE = "example.invalid/fleetlm:1.0.0";
  private static final long VERSION = 20251019063736L;

  @Test
  void someoneElsesLoadBalancerStopsTheReleaseUntouchedUntilItIsGone() {
    try (ReleaseTestBed bed = new ReleaseTestBed("conflict")) {
      bed.client
          .resource(
              new ServiceBuilder()
                  .withNewMetadata()
                  .withName("fleetlm")
                  .withNamespace(bed.namespace)
                  .addToLabels("app.kubernetes.io/managed-by", "Helm")
                  .endMetadata()
                  .withNewSpec()
                  .withType("LoadBalancer")
                  .addToSelector("app", "fleetlm")
                  .addNewPort()
                  .withName("http")
                  .withPort(80)
                  .withTargetPort(new IntOrString(4000))
                  .endPort()
                  .endSpec()
                  .build())
          .create();

      bed.client
          .resource(Releases.release(bed.namespace, "fleetlm", IMAGE, "" + VERSION, 1))
          .create();
      bed.container.migrateAndSucceed(
          bed.container.awaitRunningPod(IMAGE), bed.db, bed.database, VERSION);

      ReleaseCondition ready =
          Releases.awaitReadyReason(
              bed.client, bed.namespace, "fleetlm", "ResourceConflict", ReleaseTestBed.TIMEOUT);
      assertThat(ready.getStatus()).isEqualTo("False");
      assertThat(ready.getMessage())
          .contains("Service fleetlm already exists and is not this release's (managed by Helm)")
          .contains("delete service fleetlm in namespace " + bed.namespace);
      Service theirs = service(bed);
      assertThat(theirs.getSpec().getType()).as("left as it was").isEqualTo("LoadBalancer");
      assertThat(theirs.getMetadata().getOwnerReferences()).isEmpty();
      assertThat(bed.deployment("fleetlm")).as("nothing is written").isNull();
      assertThat(bed.describe("fleetlm")).contains("ResourceConflict");

      // Its owner moves it out of the way; the Service carries none of the operator's labels, so
      // the retry's backoff, not a watch event, finds it gone.
      bed.client.services().inNamespace(bed.namespace).withName("fleetlm").delete();
      Releases.awaitPhase(bed.client, bed.namespace, "fleetlm", "Ready", Duration.ofMinutes(3));
      Service ours = service(bed);
      assertThat(ours.getSpec().getType()).isEqualTo("ClusterIP");
      assertThat(OwnerReferences.releaseOf(ours.getMetadata())).contains("fleetlm");
    }
  }

  private static Service service(ReleaseTestBed bed) {
    return bed.client.services().inNamespace(bed.namespace).withName("fleetlm").get();
  }
}
