package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.kube.OwnerReferences;
import io.fleetlm.operator.kube.ResourceNames;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * FleetLM's own manifests create a LoadBalancer Service named {@code fleetlm}: the name a release
 * called {@code fleetlm} gives its Service. The operator must not take it over, unless its owner
 * hands it over.
 */
class ResourceConflictIT {

  private static final String IMAGE = "example.invalid/fleetlm:1.0.0";
  private static final long VERSION = 20251019063736L;

  @Test
  void someoneElsesLoadBalancerStopsTheReleaseUntouchedUntilItIsGone() {
    try (ReleaseTestBed bed = new ReleaseTestBed("conflict")) {
      bed.client
          .resource(
              new ServiceBuilder(theirLoadBalancer(bed.namespace))
                  .editMetadata()
                  .addToLabels("app.kubernetes.io/managed-by", "Helm")
                  .endMetadata()
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

  @Test
  void anInstallHandedOverByAnnotationIsReplacedByTheReleaseOnceItIsVerified() {
    try (ReleaseTestBed bed = new ReleaseTestBed("handover")) {
      bed.client
          .resource(
              new ServiceBuilder(theirLoadBalancer(bed.namespace))
                  .editMetadata()
                  .addToAnnotations(ResourceNames.ANNOTATION_HAND_OVER_TO, "fleetlm")
                  .endMetadata()
                  .build())
          .create();
      bed.client
          .resource(
              new DeploymentBuilder()
                  .withNewMetadata()
                  .withName("fleetlm")
                  .withNamespace(bed.namespace)
                  .addToAnnotations(ResourceNames.ANNOTATION_HAND_OVER_TO, "fleetlm")
                  .endMetadata()
                  .withNewSpec()
                  .withReplicas(1)
                  .withNewSelector()
                  .addToMatchLabels("app", "fleetlm")
                  .endSelector()
                  .withNewTemplate()
                  .withNewMetadata()
                  .addToLabels("app", "fleetlm")
                  .endMetadata()
                  .withNewSpec()
                  .addNewContainer()
                  .withName("fleetlm")
                  .withImage("example.invalid/fleetlm:0.9.0")
                  .endContainer()
                  .endSpec()
                  .endTemplate()
                  .endSpec()
                  .build())
          .create();
      await().atMost(ReleaseTestBed.TIMEOUT).until(() -> theirPods(bed).size() == 1);

      bed.client
          .resource(Releases.release(bed.namespace, "fleetlm", IMAGE, "" + VERSION, 1))
          .create();
      Pod migration = bed.container.awaitRunningPod(IMAGE);
      assertThat(service(bed).getSpec().getType())
          .as("the install serves until the release is verified")
          .isEqualTo("LoadBalancer");
      assertThat(theirPods(bed)).hasSize(1);
      bed.container.migrateAndSucceed(migration, bed.db, bed.database, VERSION);

      Releases.awaitPhase(bed.client, bed.namespace, "fleetlm", "Ready", Duration.ofMinutes(2));
      Service ours = service(bed);
      assertThat(ours.getSpec().getType()).isEqualTo("ClusterIP");
      assertThat(ours.getSpec().getPorts()).extracting("name").containsOnlyOnce("http");
      assertThat(ours.getSpec().getSelector()).doesNotContainKey("app");
      assertThat(OwnerReferences.releaseOf(ours.getMetadata())).contains("fleetlm");
      assertThat(OwnerReferences.releaseOf(bed.deployment("fleetlm").getMetadata()))
          .contains("fleetlm");
      await()
          .atMost(ReleaseTestBed.TIMEOUT)
          .alias("the handed-over Deployment's pods go with it")
          .until(() -> theirPods(bed).isEmpty());
      assertThat(bed.describe("fleetlm")).contains("HandedOver");
    }
  }

  private static List<Pod> theirPods(ReleaseTestBed bed) {
    return bed
        .client
        .pods()
        .inNamespace(bed.namespace)
        .withLabel("app", "fleetlm")
        .list()
        .getItems()
        .stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  /** What FleetLM's own manifest makes: a LoadBalancer named fleetlm with its own http port. */
  private static Service theirLoadBalancer(String namespace) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName("fleetlm")
        .withNamespace(namespace)
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
        .build();
  }

  private static Service service(ReleaseTestBed bed) {
    return bed.client.services().inNamespace(bed.namespace).withName("fleetlm").get();
  }
}
