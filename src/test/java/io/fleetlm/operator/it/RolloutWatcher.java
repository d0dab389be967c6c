package io.fleetlm.operator.it;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.ReleaseOutcome;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.kube.ResourceNames;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Watches a namespace for the whole test and checks the invariants a user cares about, from the
 * watch streams alone: every app pod's release was recorded as verified before the pod existed,
 * each release got exactly one migration Job, and Ready was never True while the Deployment was in
 * a state Ready must not accept.
 *
 * <p>"Before" is judged by resourceVersion: on an etcd-backed API server every write gets the next
 * revision of one store, so a status write with a lower resourceVersion than a pod's creation
 * happened before it, whichever of the two watch streams delivered its event first.
 */
public final class RolloutWatcher implements AutoCloseable {

  private final List<String> problems = new CopyOnWriteArrayList<>();
  private final Map<String, Set<String>> jobsByMigration = new ConcurrentHashMap<>();
  private final List<PodSeen> pods = new CopyOnWriteArrayList<>();
  private final List<StatusSeen> statuses = new CopyOnWriteArrayList<>();
  private final List<DeploymentSeen> deployments = new CopyOnWriteArrayList<>();
  private final List<Watch> watches = new ArrayList<>();
  private final Set<String> foreignImages = ConcurrentHashMap.newKeySet();
  private volatile boolean closing;

  /** A release status as one watch event showed it. */
  public record StatusSeen(
      long resourceVersion, String release, boolean readyNow, Set<String> verified) {}

  /** A Deployment as one watch event showed it (null when deleted). */
  public record DeploymentSeen(long resourceVersion, String name, Deployment deployment) {}

  private record PodSeen(
      long resourceVersion, String name, String release, String migrationId, String image) {}

  public RolloutWatcher(KubernetesClient client, String namespace) {
    watches.add(
        client
            .resources(FleetlmRelease.class)
            .inNamespace(namespace)
            .watch(new Handler<FleetlmRelease>("releases", this::onRelease, r -> {})));
    watches.add(
        client
            .apps()
            .deployments()
            .inNamespace(namespace)
            .withLabel(ResourceNames.LABEL_COMPONENT, ResourceNames.COMPONENT_APP)
            .watch(
                new Handler<Deployment>(
                    "deployments",
                    d -> deployments.add(new DeploymentSeen(rv(d), d.getMetadata().getName(), d)),
                    d ->
                        deployments.add(
                            new DeploymentSeen(rv(d), d.getMetadata().getName(), null)))));
    watches.add(
        client
            .pods()
            .inNamespace(namespace)
            .withLabel(ResourceNames.LABEL_COMPONENT, ResourceNames.COMPONENT_APP)
            .watch(new Handler<Pod>("app pods", this::onAppPod, p -> {})));
    watches.add(
        Releases.migrationJobs(client, namespace)
            .watch(new Handler<Job>("migration jobs", this::onJob, j -> {})));
  }

  private void onRelease(FleetlmRelease release) {
    if (release.getStatus() == null) {
      return;
    }
    boolean current =
        Objects.equals(
            release.getMetadata().getGeneration(), release.getStatus().getObservedGeneration());
    boolean ready =
        current
            && release.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    Set<String> verified =
        release.getStatus().getHistory().stream()
            .filter(r -> r.outcome() == ReleaseOutcome.Verified)
            .map(RolloutWatcher::verifiedKey)
            .collect(Collectors.toSet());
    // Pods carry the release's name as a label value, cut with a hash when it is long.
    statuses.add(
        new StatusSeen(
            rv(release),
            ResourceNames.labelValue(release.getMetadata().getName()),
            ready,
            verified));
  }

  private void onAppPod(Pod pod) {
    if (pods.stream().anyMatch(p -> p.name().equals(pod.getMetadata().getName()))) {
      return;
    }
    pods.add(
        new PodSeen(
            rv(pod),
            pod.getMetadata().getName(),
            pod.getMetadata().getLabels().get(ResourceNames.LABEL_RELEASE),
            pod.getMetadata().getLabels().get(ResourceNames.LABEL_MIGRATION_ID),
            pod.getSpec().getContainers().get(0).getImage()));
  }

  private void onJob(Job job) {
    String migrationId = job.getMetadata().getLabels().get(ResourceNames.LABEL_MIGRATION_ID);
    jobsByMigration
        .computeIfAbsent(migrationId, k -> ConcurrentHashMap.newKeySet())
        .add(job.getMetadata().getUid());
  }

  /**
   * An image the test itself puts into the Deployment, behind the operator's back: the Deployment
   * controller starts its pods before the operator can put the Deployment back.
   */
  public void expectForeignImage(String image) {
    foreignImages.add(image);
  }

  /**
   * App pods that existed before their release was recorded as verified, and watches that ended
   * before the test did.
   */
  public List<String> violations() {
    List<String> found = new ArrayList<>(problems);
    for (PodSeen pod : pods) {
      if (foreignImages.contains(pod.image())) {
        continue;
      }
      String key = pod.migrationId() + "|" + pod.image();
      boolean verifiedBefore =
          statuses.stream()
              .anyMatch(
                  s ->
                      s.release().equals(pod.release())
                          && s.resourceVersion() < pod.resourceVersion()
                          && s.verified().contains(key));
      if (!verifiedBefore) {
        found.add(
            "pod "
                + pod.name()
                + " (resourceVersion "
                + pod.resourceVersion()
                + ") runs "
                + pod.image()
                + ", which no earlier status of "
                + pod.release()
                + " records as verified");
      }
    }
    return found;
  }

  /**
   * Status events of the release with Ready=True, for its current generation, written while the
   * Deployment (its newest version written before that status) matched {@code unacceptable}.
   */
  public List<StatusSeen> readyWhile(String release, Predicate<Deployment> unacceptable) {
    List<DeploymentSeen> ordered =
        deployments.stream()
            .filter(d -> d.name().equals(release))
            .sorted(Comparator.comparingLong(DeploymentSeen::resourceVersion))
            .toList();
    return statuses.stream()
        .filter(s -> s.release().equals(release) && s.readyNow())
        .filter(
            s -> {
              DeploymentSeen before = null;
              for (DeploymentSeen d : ordered) {
                if (d.resourceVersion() < s.resourceVersion()) {
                  before = d;
                }
              }
              return before != null
                  && (before.deployment() == null || unacceptable.test(before.deployment()));
            })
        .toList();
  }

  /**
   * Every version of the Deployment the watch delivered, in the order the API server wrote them.
   */
  public List<Deployment> versionsOf(String deployment) {
    return deployments.stream()
        .filter(d -> d.name().equals(deployment) && d.deployment() != null)
        .sorted(Comparator.comparingLong(DeploymentSeen::resourceVersion))
        .map(DeploymentSeen::deployment)
        .toList();
  }

  /** Migration identity to the number of distinct Jobs ever created for it. */
  public Map<String, Integer> jobsPerMigration() {
    Map<String, Integer> counts = new ConcurrentHashMap<>();
    jobsByMigration.forEach((id, uids) -> counts.put(id, uids.size()));
    return counts;
  }

  public Set<String> appPodImages() {
    return pods.stream().map(PodSeen::image).collect(Collectors.toSet());
  }

  @Override
  public void close() {
    closing = true;
    watches.forEach(Watch::close);
  }

  private static String verifiedKey(ReleaseRecord record) {
    return record.migrationId() + "|" + record.image();
  }

  private static long rv(io.fabric8.kubernetes.api.model.HasMetadata object) {
    return Long.parseLong(object.getMetadata().getResourceVersion());
  }

  private final class Handler<T> implements Watcher<T> {
    private final String what;
    private final Consumer<T> onChange;
    private final Consumer<T> onDelete;

    Handler(String what, Consumer<T> onChange, Consumer<T> onDelete) {
      this.what = what;
      this.onChange = onChange;
      this.onDelete = onDelete;
    }

    @Override
    public void eventReceived(Action action, T resource) {
      switch (action) {
        case ADDED, MODIFIED -> onChange.accept(resource);
        case DELETED -> onDelete.accept(resource);
        default -> problems.add("the watch of " + what + " got " + action + ": " + resource);
      }
    }

    @Override
    public void onClose(WatcherException cause) {
      if (!closing) {
        problems.add(
            "the watch of "
                + what
                + " ended before the test did"
                + (cause == null ? "" : ": " + cause.getMessage()));
      }
    }
  }
}
