package io.fleetlm.operator.it;

import static io.fleetlm.operator.it.Releases.awaitPhase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.kube.MigrationLockLease;
import io.fleetlm.operator.kube.ResourceNames;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two releases in two namespaces, each with its own operator, on one database: staging and a canary
 * of the same app. Both are upgraded at the same moment, 20 times; the watch on their migration
 * pods shows that never two of them run at once, and the one that waits says for whom.
 */
class DatabaseLockIT {

  private static final int TRIALS = 20;
  private static final String NAME = "chat";

  private ReleaseTestBed staging;
  private ReleaseTestBed canary;
  private final List<Watch> watches = new ArrayList<>();

  /** Pod name to the resourceVersions at which it was seen Running and seen ended. */
  private final Map<String, long[]> intervals = new ConcurrentHashMap<>();

  @BeforeEach
  void setUp() {
    staging = new ReleaseTestBed("lock-staging");
    canary = new ReleaseTestBed("lock-canary");
    // The canary's Secret points at the staging database.
    canary
        .client
        .secrets()
        .inNamespace(canary.namespace)
        .withName(Releases.SECRET)
        .edit(
            s -> {
              s.getData()
                  .put(
                      "DATABASE_URL",
                      Base64.getEncoder()
                          .encodeToString(staging.db.ectoUrl(staging.database).getBytes()));
              return s;
            });
    for (ReleaseTestBed bed : List.of(staging, canary)) {
      watches.add(
          bed.client
              .pods()
              .inNamespace(bed.namespace)
              .withLabel(ResourceNames.LABEL_COMPONENT, ResourceNames.COMPONENT_MIGRATION)
              .watch(new RunningIntervals()));
    }
  }

  @AfterEach
  void tearDown() {
    watches.forEach(Watch::close);
    canary.close();
    staging.close();
  }

  @Test
  void twoReleasesOnOneDatabaseNeverMigrateAtOnce() {
    staging.client.resource(release(staging, 1)).create();
    canary.client.resource(release(canary, 1)).create();
    List<Long> waits = new ArrayList<>();
    for (int trial = 1; trial <= TRIALS; trial++) {
      if (trial > 1) {
        int version = trial;
        for (ReleaseTestBed bed : List.of(staging, canary)) {
          bed.editRelease(NAME, r -> upgrade(r, version));
        }
      }
      String image = image(trial);
      Pod first = awaitRunning(image);
      ReleaseTestBed holder = bedOf(first);
      ReleaseTestBed waiter = holder == staging ? canary : staging;

      ReleaseCondition waiting =
          Releases.awaitReadyReason(
              waiter.client, waiter.namespace, NAME, "WaitingForDatabase", ReleaseTestBed.TIMEOUT);
      assertThat(waiting.getMessage())
          .contains("is being migrated by " + holder.namespace + "/" + NAME + "/");
      assertThat(waiter.container.runningPods()).isEmpty();

      holder.container.migrateAndSucceed(first, staging.db, staging.database, 1000 + trial);
      long freed = System.nanoTime();
      Pod second = waiter.container.awaitRunningPod(image);
      waits.add((System.nanoTime() - freed) / 1_000_000);
      waiter.container.migrateAndSucceed(second, staging.db, staging.database, 1000 + trial);
      for (ReleaseTestBed bed : List.of(staging, canary)) {
        await()
            .atMost(ReleaseTestBed.TIMEOUT)
            .until(
                () -> awaitPhase(bed.client, bed.namespace, NAME, "Ready"),
                r -> image.equals(r.getStatus().getCurrentImage()));
      }
    }

    assertThat(intervals).as("migration pods that ran").hasSize(2 * TRIALS);
    assertThat(overlaps()).as("migration pods running at the same time").isEmpty();
    waits.sort(Long::compare);
    System.out.printf(
        "measured: %d trials, 0 overlapping migrations; holder's pod ended -> waiter's pod"
            + " running p50 %d ms, max %d ms%n",
        TRIALS, waits.get(waits.size() / 2), waits.get(waits.size() - 1));
  }

  /**
   * A Job deleted without its pods (kubectl delete --cascade=orphan) leaves its migration running:
   * the database stays claimed until that pod has ended, though the Job is gone.
   */
  @Test
  void aMigrationWhoseJobIsDeletedKeepsTheDatabaseUntilItsPodEnds() {
    staging.client.resource(release(staging, 1)).create();
    canary.client.resource(release(canary, 1)).create();
    Pod orphan = awaitRunning(image(1));
    ReleaseTestBed holder = bedOf(orphan);
    ReleaseTestBed waiter = holder == staging ? canary : staging;
    String job = orphan.getMetadata().getLabels().get(ResourceNames.LABEL_JOB_NAME);

    holder
        .client
        .batch()
        .v1()
        .jobs()
        .inNamespace(holder.namespace)
        .withName(job)
        .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.ORPHAN)
        .delete();
    // The holder has seen its Job gone: the database lacks the migration, so it fails.
    Releases.awaitReadyReason(
        holder.client, holder.namespace, NAME, "MigrationJobDeleted", ReleaseTestBed.TIMEOUT);
    // The pass that wrote that failure would have released the claim before writing it.
    assertThat(
            staging
                .client
                .leases()
                .inAnyNamespace()
                .withLabelSelector(MigrationLockLease.LOCK_SELECTOR)
                .list()
                .getItems()
                .stream()
                .filter(
                    l ->
                        l.getMetadata()
                            .getName()
                            .equals(MigrationLockLease.name(staging.db.identity(staging.database))))
                .map(MigrationLockLease::holderOf)
                .toList())
        .as("the orphaned pod may still write: the database stays claimed by its release")
        .singleElement()
        .asString()
        .startsWith(holder.namespace + "/" + NAME + "/");
    assertThat(waiter.container.runningPods()).isEmpty();

    PodExit.succeed(holder.client, orphan);
    Pod next = waiter.container.awaitRunningPod(image(1));
    waiter.container.migrateAndSucceed(next, staging.db, staging.database, 1001);
    awaitPhase(waiter.client, waiter.namespace, NAME, "Ready");
    assertThat(overlaps()).as("migration pods running at the same time").isEmpty();
  }

  private List<String> overlaps() {
    List<Map.Entry<String, long[]>> all = new ArrayList<>(intervals.entrySet());
    List<String> found = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      for (int j = i + 1; j < all.size(); j++) {
        long[] a = all.get(i).getValue();
        long[] b = all.get(j).getValue();
        if (a[0] < b[1] && b[0] < a[1]) {
          found.add(all.get(i).getKey() + " and " + all.get(j).getKey());
        }
      }
    }
    return found;
  }

  private Pod awaitRunning(String image) {
    return await()
        .atMost(ReleaseTestBed.TIMEOUT)
        .until(
            () ->
                staging.container.runningPods().stream()
                    .filter(p -> image.equals(p.getSpec().getContainers().get(0).getImage()))
                    .findFirst()
                    .or(
                        () ->
                            canary.container.runningPods().stream()
                                .filter(
                                    p ->
                                        image.equals(p.getSpec().getContainers().get(0).getImage()))
                                .findFirst()),
            Optional::isPresent)
        .orElseThrow();
  }

  private ReleaseTestBed bedOf(Pod pod) {
    return pod.getMetadata().getNamespace().equals(staging.namespace) ? staging : canary;
  }

  private static FleetlmRelease release(ReleaseTestBed bed, int version) {
    return Releases.release(bed.namespace, NAME, image(version), String.valueOf(1000 + version), 1);
  }

  private static void upgrade(FleetlmRelease release, int version) {
    release.getSpec().setImage(image(version));
    release.getSpec().getMigration().setExpectedVersion(String.valueOf(1000 + version));
  }

  private static String image(int version) {
    return "ghcr.io/acme/fleetlm:" + version + ".0.0";
  }

  /** Running from the first event that says so to the first that says it ended, by RV. */
  private final class RunningIntervals implements Watcher<Pod> {
    @Override
    public void eventReceived(Action action, Pod pod) {
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      long rv = Long.parseLong(pod.getMetadata().getResourceVersion());
      String name = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
      if ("Running".equals(phase)) {
        intervals.putIfAbsent(name, new long[] {rv, Long.MAX_VALUE});
      } else if ("Succeeded".equals(phase) || "Failed".equals(phase) || action == Action.DELETED) {
        long[] interval = intervals.get(name);
        if (interval != null && interval[1] == Long.MAX_VALUE) {
          interval[1] = rv;
        }
      }
    }

    @Override
    public void onClose(WatcherException cause) {}
  }
}
