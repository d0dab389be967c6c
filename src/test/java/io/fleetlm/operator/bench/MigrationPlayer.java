package io.fleetlm.operator.bench;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fleetlm.operator.it.MigrationStandIn;
import io.fleetlm.operator.it.PodExit;
import io.fleetlm.operator.it.TestDatabase;
import io.fleetlm.operator.kube.ResourceNames;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.LongStream;

/**
 * Plays the migration containers that kwok does not run. Each migration pod, as its watch event
 * says it runs, gets a fixed migration time; then its image's migrations go into its database for
 * real and the pod ends with exit code 0. Pods are played in parallel, as a real cluster runs them.
 * Image tags are numbers: tag n ships migrations 1..n.
 */
final class MigrationPlayer implements AutoCloseable {

  /** Names the database of a pod that no FleetlmRelease owns (the Helm hook's). */
  static final String DATABASE_LABEL = "bench.fleetlm.io/database";

  private final KubernetesClient client;
  private final TestDatabase db;
  private final Function<String, String> databaseOfRelease;
  private final Duration migrationTime;
  private final Set<String> played = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService workers = Executors.newScheduledThreadPool(8);
  private final SharedIndexInformer<Pod> informer;

  MigrationPlayer(
      KubernetesClient client,
      String namespace,
      TestDatabase db,
      Function<String, String> databaseOfRelease,
      Duration migrationTime) {
    this.client = client;
    this.db = db;
    this.databaseOfRelease = databaseOfRelease;
    this.migrationTime = migrationTime;
    this.informer =
        client
            .pods()
            .inNamespace(namespace)
            .withLabel(ResourceNames.LABEL_COMPONENT, ResourceNames.COMPONENT_MIGRATION)
            .inform(Seen.onEveryState(this::consider));
  }

  private void consider(Pod pod) {
    boolean running = pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase());
    if (running && played.add(pod.getMetadata().getUid())) {
      workers.schedule(() -> play(pod), migrationTime.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void play(Pod pod) {
    try {
      String database = pod.getMetadata().getLabels().get(DATABASE_LABEL);
      if (database == null) {
        database =
            databaseOfRelease.apply(
                pod.getMetadata().getAnnotations().get(ResourceNames.ANNOTATION_RELEASE));
      }
      MigrationStandIn.applyEctoMigrations(db, database, versionsOf(pod));
      PodExit.succeed(client, pod);
    } catch (RuntimeException e) {
      System.err.println("bench: could not play " + pod.getMetadata().getName() + ": " + e);
    }
  }

  static long[] versionsOf(Pod pod) {
    String image = pod.getSpec().getContainers().get(0).getImage();
    long newest = Long.parseLong(image.substring(image.lastIndexOf(':') + 1));
    return LongStream.rangeClosed(1, newest).toArray();
  }

  @Override
  public void close() {
    informer.close();
    workers.shutdownNow();
  }
}
