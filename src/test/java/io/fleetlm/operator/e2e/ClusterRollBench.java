package io.fleetlm.operator.e2e;

import static io.fleetlm.operator.e2e.DoubleReleases.APP_1;
import static io.fleetlm.operator.e2e.DoubleReleases.APP_2;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fleetlm.operator.it.Releases;
import io.fleetlm.operator.it.TestCluster;
import io.fleetlm.operator.it.TestDatabase;
import io.fleetlm.operator.it.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * make bench with a real node (REAL_NODE=1): apply → Ready and upgrade → Ready of the FleetLM
 * double on real containers, a release of 3 clustered replicas that the operator starts and rolls
 * itself (clusterRoll nodes) beside one of 1 replica, each measured several times. Writes
 * target/bench/cluster-roll.md. The figures are the double's (32 groups, 500 ms a group change):
 * FleetLM's 256 groups take longer.
 */
public final class ClusterRollBench {

  private static final Path REPORT = Path.of("target", "bench", "cluster-roll.md");
  private static final Duration LIMIT = Duration.ofMinutes(5);

  private final KubernetesClient client = TestCluster.client();
  private final RealNode node = RealNode.require(client);
  private final TestDatabase db = TestDatabase.forPods(node.gateway);
  private final String apps;
  private final String system;

  private ClusterRollBench() {
    Releases.installCrd(client);
    Map<String, String> restricted = Map.of("pod-security.kubernetes.io/enforce", "restricted");
    system = TestCluster.createNamespace("bench-roll-system", restricted);
    apps = TestCluster.createNamespace("bench-roll", restricted);
    node.installOperator("fleetlm-bench-roll", system, apps, "clusterRoll=nodes");
  }

  /** One release's two figures, in seconds. */
  private record Run(int replicas, long firstStart, long upgrade) {}

  public static void main(String[] args) throws Exception {
    int runs = Integer.getInteger("bench.clusterRuns", 3);
    ClusterRollBench bench = new ClusterRollBench();
    List<Run> measured = new ArrayList<>();
    try {
      for (int run = 1; run <= runs; run++) {
        measured.add(bench.measure("single-" + run, 1));
        measured.add(bench.measure("trio-" + run, 3));
      }
    } finally {
      bench.close();
    }
    Files.createDirectories(REPORT.getParent());
    Files.writeString(REPORT, report(measured, runs));
    System.out.println(Files.readString(REPORT));
    System.exit(0);
  }

  private Run measure(String name, int replicas) {
    String database = db.createDatabase();
    Instant applied = Instant.now();
    DoubleReleases.create(client, node, db, apps, name, database, replicas);
    DoubleReleases.awaitReady(client, apps, name, APP_1, LIMIT);
    long firstStart = Duration.between(applied, Instant.now()).toSeconds();
    Instant edited = Instant.now();
    DoubleReleases.upgrade(client, apps, name);
    DoubleReleases.awaitReady(client, apps, name, APP_2, LIMIT);
    long upgrade = Duration.between(edited, Instant.now()).toSeconds();
    System.out.printf(
        "bench: %s (%d replicas): apply to Ready %d s, upgrade to Ready %d s%n",
        name, replicas, firstStart, upgrade);
    client
        .resources(io.fleetlm.operator.api.FleetlmRelease.class)
        .inNamespace(apps)
        .withName(name)
        .delete();
    return new Run(replicas, firstStart, upgrade);
  }

  private static String report(List<Run> measured, int runs) {
    StringBuilder md =
        new StringBuilder(
            "# Clustered roll on the real node (make bench, REAL_NODE=1)\n\n"
                + "The FleetLM double on real containers: 32 Raft groups, 500 ms a group change,"
                + " FleetLM's coordinator. 3 replicas: the operator starts and rolls the nodes"
                + " itself (clusterRoll nodes), one at a time on FleetLM's answers. "
                + runs
                + " runs each; seconds, median (min to max).\n\n"
                + "| replicas | apply to Ready | upgrade (app:1 to app:2) to Ready |\n"
                + "|---|---|---|\n");
    for (int replicas : List.of(1, 3)) {
      List<Long> first =
          measured.stream().filter(r -> r.replicas() == replicas).map(Run::firstStart).toList();
      List<Long> upgrade =
          measured.stream().filter(r -> r.replicas() == replicas).map(Run::upgrade).toList();
      md.append("| ")
          .append(replicas)
          .append(" | ")
          .append(summary(first))
          .append(" | ")
          .append(summary(upgrade))
          .append(" |\n");
    }
    return md.toString();
  }

  private static String summary(List<Long> seconds) {
    List<Long> sorted = seconds.stream().sorted().toList();
    return sorted.get(sorted.size() / 2)
        + " ("
        + sorted.get(0)
        + " to "
        + sorted.get(sorted.size() - 1)
        + ")";
  }

  private void close() {
    Tools.run(TestCluster.kubeconfigEnv(), "helm", "uninstall", "fleetlm-bench-roll", "-n", system);
    TestCluster.deleteNamespace(apps);
    TestCluster.deleteNamespace(system);
    db.close();
  }
}
