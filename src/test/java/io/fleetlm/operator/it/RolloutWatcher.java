package io.fleetlm.operator.it;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.ReleaseOutcome;
import io.fleetlm.operator.kube.ResourceNames;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Watches a namespace for the whole test and records the invariants a user cares about: every app
 * pod's release was verified before the pod existed, and each release got exactly one migration
 * Job. Watches see every pod, even ones that live for milliseconds.
 */
public final class RolloutWatcher implements AutoCloseable {

  private final KubernetesClient client;
  private final String namespace;
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final Map<String, Set<String>> jobsByMigration = new ConcurrentHashMap<>();
  private final Set<String> appPodImages = ConcurrentHashMap.newKeySet();
  private final Watch podWatch;
  private final Watch jobWatch;

  public RolloutWatcher(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
    this.podWatch =
        client
            .pods()
            .inNamespace(namespace)
            .withLabel(ResourceNames.LABEL_COMPONENT, ResourceNames.COMPONENT_APP)
            .watch(new Handler<>(this::onAppPod));
    this.jobWatch =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(namespace)
            .withLabel(ResourceNames.LABEL_COMPONENT, ResourceNames.COMPONENT_MIGRATION)
            .watch(new Handler<>(this::onJob));
  }

  private void onAppPod(Pod pod) {
    String image = pod.getSpec().getContainers().get(0).getImage();
    appPodImages.add(image);
    String migrationId = pod.getMetadata().getLabels().get(ResourceNames.LABEL_MIGRATION_ID);
    String releaseName = pod.getMetadata().getLabels().get(ResourceNames.LABEL_RELEASE);
    // Read after the pod exists: the verification must already be recorded by then.
    FleetlmRelease release =
        client.resources(FleetlmRelease.class).inNamespace(namespace).withName(releaseName).get();
    boolean verified =
        release != null
            && release.getStatus() != null
            && release.getStatus().getHistory().stream()
                .anyMatch(
                    r ->
                        migrationId.equals(r.getMigrationId())
                            && r.getOutcome() == ReleaseOutcome.Verified
                            && image.equals(r.getImage()));
    if (!verified) {
      violations.add("pod " + pod.getMetadata().getName() + " runs unverified image " + image);
    }
  }

  private void onJob(Job job) {
    String migrationId = job.getMetadata().getLabels().get(ResourceNames.LABEL_MIGRATION_ID);
    jobsByMigration
        .computeIfAbsent(migrationId, k -> ConcurrentHashMap.newKeySet())
        .add(job.getMetadata().getUid());
  }

  public List<String> violations() {
    return List.copyOf(violations);
  }

  /** Migration identity to the number of distinct Jobs ever created for it. */
  public Map<String, Integer> jobsPerMigration() {
    Map<String, Integer> counts = new ConcurrentHashMap<>();
    jobsByMigration.forEach((id, uids) -> counts.put(id, uids.size()));
    return counts;
  }

  public Set<String> appPodImages() {
    return Set.copyOf(appPodImages);
  }

  @Override
  public void close() {
    podWatch.close();
    jobWatch.close();
  }

  private static final class Handler<T> implements Watcher<T> {
    private final java.util.function.Consumer<T> onAdded;

    Handler(java.util.function.Consumer<T> onAdded) {
      this.onAdded = onAdded;
    }

    @Override
    public void eventReceived(Action action, T resource) {
      if (action == Action.ADDED) {
        onAdded.accept(resource);
      }
    }

    @Override
    public void onClose(WatcherException cause) {}
  }
}
