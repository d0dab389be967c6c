package io.fleetlm.operator.bench;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fleetlm.operator.it.Releases;
import io.fleetlm.operator.kube.MigrationJobState;
import io.fleetlm.operator.kube.ResourceNames;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The floor the operator's reaction is measured against: the least any controller can do when a
 * migration Job completes, one Deployment write sent as its informer's event arrives (on as many
 * threads as the operator reconciles with, so a burst of Jobs never queues). It reacts to the
 * operator's own Jobs in the same run, so both see the same watch stream on the same machine.
 */
final class FloorController implements AutoCloseable {

  static final String PREFIX = "floor-";

  private final KubernetesClient client;
  private final Set<String> reacted = ConcurrentHashMap.newKeySet();
  private final ExecutorService writers = Executors.newFixedThreadPool(64);
  private final SharedIndexInformer<Job> informer;

  FloorController(KubernetesClient client, String namespace) {
    this.client = client;
    this.informer =
        Releases.migrationJobs(client, namespace).inform(Seen.onEveryState(this::react));
  }

  private void react(Job job) {
    String release = job.getMetadata().getLabels().get(ResourceNames.LABEL_RELEASE);
    if (release == null
        || MigrationJobState.of(job).kind() != MigrationJobState.Kind.SUCCEEDED
        || !reacted.add(job.getMetadata().getUid())) {
      return;
    }
    Deployment deployment = deployment(job.getMetadata().getNamespace(), PREFIX + release);
    writers.execute(() -> client.resource(deployment).create());
  }

  private static Deployment deployment(String namespace, String name) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .withNewSpec()
        .withReplicas(0)
        .withNewSelector()
        .addToMatchLabels("bench.fleetlm.io/floor", name)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("bench.fleetlm.io/floor", name)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withImage("floor:1")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  @Override
  public void close() {
    informer.close();
    writers.shutdownNow();
  }
}
