package io.fleetlm.operator.bench;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.it.MigrationStandIn;
import io.fleetlm.operator.it.OperatorProcess;
import io.fleetlm.operator.it.PodExit;
import io.fleetlm.operator.it.Releases;
import io.fleetlm.operator.it.TestCluster;
import io.fleetlm.operator.it.TestDatabase;
import io.fleetlm.operator.kube.ResourceNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * make bench: the packaged operator handles N releases at once on the local cluster. Reports how
 * long each takes from its migration pod's exit to Ready (verification plus rollout), the time to
 * get all of them Ready, and the operator's memory. Figures, not pass/fail.
 */
public final class RolloutBenchmark {

  public static void main(String[] args) throws Exception {
    int releases = Integer.parseInt(System.getProperty("bench.releases", "20"));
    KubernetesClient client = TestCluster.client();
    Releases.installCrd(client);
    String namespace = TestCluster.createNamespace("bench");
    TestDatabase db = TestDatabase.shared();
    Path log = Path.of("target", "bench-operator.log");
    Path kubeconfig = TestCluster.kubeconfig();
    try (OperatorProcess operator =
        OperatorProcess.start(kubeconfig, Map.of("FLEETLM_WATCH_NAMESPACES", namespace), log)) {
      long idleRss = operator.rssKiB();
      Map<String, String> databases = new ConcurrentHashMap<>();
      long start = System.nanoTime();
      for (int i = 0; i < releases; i++) {
        String name = "bench-" + i;
        String database = db.createDatabase();
        databases.put(name, database);
        Releases.createDatabaseSecretNamed(client, namespace, name + "-db", db.ectoUrl(database));
        FleetlmRelease release =
            Releases.release(namespace, name, "ghcr.io/acme/fleetlm:" + i, "3", 2);
        release.getSpec().getDatabase().getUrlSecretRef().setName(name + "-db");
        release.getSpec().getDatabase().getSecretKeyBaseSecretRef().setName(name + "-db");
        client.resource(release).create();
      }
      MigrationStandIn container = new MigrationStandIn(client, namespace);
      Map<String, Long> exitedAt = new ConcurrentHashMap<>();
      Map<String, Double> exitToReady = new ConcurrentHashMap<>();
      await()
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                for (Pod pod : container.runningPods()) {
                  String name = pod.getMetadata().getLabels().get(ResourceNames.LABEL_RELEASE);
                  if (!exitedAt.containsKey(name)) {
                    MigrationStandIn.applyEctoMigrations(db, databases.get(name), 1, 2, 3);
                    PodExit.succeed(client, pod);
                    exitedAt.put(name, System.nanoTime());
                  }
                }
                long now = System.nanoTime();
                for (FleetlmRelease r :
                    client
                        .resources(FleetlmRelease.class)
                        .inNamespace(namespace)
                        .list()
                        .getItems()) {
                  String name = r.getMetadata().getName();
                  boolean ready =
                      r.getStatus() != null
                          && r.getStatus().getPhase() != null
                          && r.getStatus().getPhase().name().equals("Ready");
                  if (ready && exitedAt.containsKey(name)) {
                    exitToReady.putIfAbsent(name, (now - exitedAt.get(name)) / 1e6);
                  }
                }
                return exitToReady.size() == releases;
              });
      double total = (System.nanoTime() - start) / 1e9;
      long busyRss = operator.rssKiB();
      String metrics = operator.get("/metrics").body();
      report(
          releases,
          new ArrayList<>(exitToReady.values()),
          total,
          idleRss,
          busyRss,
          heapUsed(metrics));
    } finally {
      TestCluster.deleteNamespace(namespace);
    }
    System.exit(0);
  }

  private static double heapUsed(String metrics) {
    return metrics
        .lines()
        .filter(l -> l.startsWith("jvm_memory_used_bytes{area=\"heap\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  private static void report(
      int releases, List<Double> latencies, double total, long idleRss, long busyRss, double heap)
      throws Exception {
    List<Double> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    String text =
        String.join(
            "\n",
            "fleetlm-operator benchmark (local cluster, "
                + releases
                + " releases at once, 2 replicas each)",
            String.format("  migration pod exit -> Ready, p50   %8.0f ms", percentile(sorted, 50)),
            String.format("  migration pod exit -> Ready, p95   %8.0f ms", percentile(sorted, 95)),
            String.format(
                "  migration pod exit -> Ready, max   %8.0f ms", sorted.get(sorted.size() - 1)),
            String.format("  all %d releases created -> Ready   %8.1f s", releases, total),
            String.format(
                "  operator RSS idle / after          %8d / %d MiB",
                idleRss / 1024, busyRss / 1024),
            String.format("  operator heap used after           %8.0f MiB", heap / 1024 / 1024),
            "");
    System.out.print(text);
    Files.writeString(Path.of("target", "bench-report.txt"), text);
  }

  private static double percentile(List<Double> sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, index));
  }
}
