package io.fleetlm.operator.bench;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.Phase;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.it.Releases;
import io.fleetlm.operator.kube.MigrationJobState;
import io.fleetlm.operator.kube.ResourceNames;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When things happened in one namespace, by the watch stream of this process: migration Jobs stored
 * Complete, Deployments written (the operator's and the floor's), releases Ready at their
 * generation. Every time is the first event that showed it, in System.nanoTime.
 */
final class WatchClock implements AutoCloseable {

  /** Release name → when its migration Job was first seen Complete. */
  final Map<String, Long> jobComplete = new ConcurrentHashMap<>();

  /** Deployment name → when it was first seen with its current image. */
  final Map<String, Long> deploymentWritten = new ConcurrentHashMap<>();

  /** Release name → when it was first seen Ready at its current generation. */
  final Map<String, Long> ready = new ConcurrentHashMap<>();

  /** Release name → each status it was seen with, as phase, Ready reason and message. */
  final Map<String, List<String>> statusTrail = new ConcurrentHashMap<>();

  private final Map<String, String> deploymentImage = new ConcurrentHashMap<>();
  private final Map<String, String> statusVersion = new ConcurrentHashMap<>();
  private final List<SharedIndexInformer<?>> informers;

  WatchClock(KubernetesClient client, String namespace) {
    informers =
        List.of(
            Releases.migrationJobs(client, namespace).inform(Seen.onEveryState(this::job)),
            client
                .apps()
                .deployments()
                .inNamespace(namespace)
                .inform(Seen.onEveryState(this::deployment)),
            client
                .resources(FleetlmRelease.class)
                .inNamespace(namespace)
                .inform(Seen.onEveryState(this::release)));
  }

  /** Forgets a release's times, for the next upgrade of the same release. */
  void forget(String release) {
    jobComplete.remove(release);
    ready.remove(release);
  }

  private void job(Job job) {
    String release = job.getMetadata().getLabels().get(ResourceNames.LABEL_RELEASE);
    if (release != null && MigrationJobState.of(job).kind() == MigrationJobState.Kind.SUCCEEDED) {
      jobComplete.putIfAbsent(release, System.nanoTime());
    }
  }

  private void deployment(Deployment deployment) {
    long now = System.nanoTime();
    String name = deployment.getMetadata().getName();
    String image = deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    if (!image.equals(deploymentImage.put(name, image))) {
      deploymentWritten.put(name, now);
    }
  }

  private void release(FleetlmRelease release) {
    long now = System.nanoTime();
    var status = release.getStatus();
    String name = release.getMetadata().getName();
    if (status != null
        && status.getPhase() != null
        && !release
            .getMetadata()
            .getResourceVersion()
            .equals(statusVersion.put(name, release.getMetadata().getResourceVersion()))) {
      String ready =
          Objects.requireNonNullElse(status.getConditions(), List.<ReleaseCondition>of()).stream()
              .filter(c -> "Ready".equals(c.getType()))
              .map(c -> c.getReason() + ": " + c.getMessage())
              .findFirst()
              .orElse("");
      statusTrail
          .computeIfAbsent(name, n -> new java.util.concurrent.CopyOnWriteArrayList<>())
          .add(status.getPhase() + " " + ready);
    }
    if (status != null
        && status.getPhase() == Phase.Ready
        && Objects.equals(status.getObservedGeneration(), release.getMetadata().getGeneration())) {
      ready.putIfAbsent(release.getMetadata().getName(), now);
    }
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
  }
}
