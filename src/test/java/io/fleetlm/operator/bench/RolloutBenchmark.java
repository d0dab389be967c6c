package io.fleetlm.operator.bench;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.it.OperatorProcess;
import io.fleetlm.operator.it.Releases;
import io.fleetlm.operator.it.TestCluster;
import io.fleetlm.operator.it.TestDatabase;
import io.fleetlm.operator.it.TokenKubeconfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * make bench: the packaged operator on the local cluster, measured side by side with its floor and
 * its peer in one run. Writes target/bench/report.md, ready-over-time.png and results.json.
 *
 * <ul>
 *   <li>start-up: process start → first status write, for the JVM set-ups measured;
 *   <li>upgrades: the operator against a Helm pre-upgrade hook plus helm upgrade --wait,
 *       alternating;
 *   <li>scale: N releases at once (10, 100, 1000 by default): Ready over time, reaction (Job stored
 *       Complete → Deployment write, next to a floor controller reacting to the same Jobs), API
 *       requests per release from the audit log, memory and CPU.
 * </ul>
 */
public final class RolloutBenchmark {

  static final Duration MIGRATION_TIME = Duration.ofSeconds(2);
  private static final Path OUT = Path.of("target", "bench");
  private static final String SYSTEM_NAMESPACE = "fleetlm-bench-system";
  private static final String ACCOUNT = "fleetlm-bench-operator";

  private final KubernetesClient client = TestCluster.client();
  private final TestDatabase db = TestDatabase.shared();
  private final Path operatorKubeconfig;
  private final Optional<AuditCounter> audit;

  private RolloutBenchmark() {
    Releases.installCrd(client);
    operatorKubeconfig = serviceAccountKubeconfig();
    audit =
        TestCluster.auditLog()
            .map(
                log ->
                    new AuditCounter(
                        log, "system:serviceaccount:" + SYSTEM_NAMESPACE + ":" + ACCOUNT));
  }

  public static void main(String[] args) throws Exception {
    Files.createDirectories(OUT);
    List<Integer> sizes =
        List.of(System.getProperty("bench.sizes", "10,100,1000").split(",")).stream()
            .map(String::trim)
            .map(Integer::parseInt)
            .toList();
    int upgrades = Integer.getInteger("bench.upgrades", 3);
    RolloutBenchmark bench = new RolloutBenchmark();
    BenchResults results = new BenchResults();
    results.machine = BenchReport.machine();
    results.migrationSeconds = MIGRATION_TIME.toMillis() / 1000.0;
    if (upgrades > 0) {
      results.startups = bench.startups();
      results.upgrades = bench.upgrades(upgrades);
    }
    for (int size : sizes) {
      results.scale.add(bench.scale(size));
    }
    BenchReport.write(results, OUT);
    System.out.println(Files.readString(OUT.resolve("report.md")));
    System.exit(0);
  }

  // ---- start-up -------------------------------------------------------------------------------

  private List<BenchResults.Startup> startups() throws Exception {
    String namespace = TestCluster.createNamespace("bench-start");
    Path java17 = Path.of(System.getProperty("java.home"));
    Path java25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");
    String options = "@" + OperatorProcess.JVM_OPTIONS.toAbsolutePath();
    Path cds = OUT.resolve("app-cds.jsa").toAbsolutePath();
    Path aot = OUT.resolve("app.aot").toAbsolutePath();
    Files.deleteIfExists(cds);
    Files.deleteIfExists(aot);
    List<BenchResults.Startup> startups = new ArrayList<>();
    startups.add(startup(namespace, "JDK 17, no JVM options (before)", java17, List.of()));
    startups.add(
        startup(namespace, "JDK 17, image options, no class archive", java17, List.of(options)));
    startups.add(
        startup(
            namespace,
            "JDK 17, the image's options and class archive (the build's)",
            java17,
            OperatorProcess.IMAGE_OPTIONS));
    train(namespace, java17, List.of(options, "-XX:ArchiveClassesAtExit=" + cds));
    startups.add(
        startup(
            namespace,
            "JDK 17, image options + archive of a whole training run",
            java17,
            List.of(options, "-XX:SharedArchiveFile=" + cds)));
    if (Files.isExecutable(java25.resolve("bin/java"))) {
      train(namespace, java25, List.of(options, "-XX:AOTCacheOutput=" + aot));
      startups.add(
          startup(
              namespace,
              "JDK 25, image options + AOT cache",
              java25,
              List.of(options, "-XX:AOTCache=" + aot)));
    }
    TestCluster.deleteNamespace(namespace);
    return startups;
  }

  /** A run whose end writes the class archive the options name. */
  private void train(String namespace, Path javaHome, List<String> options) throws Exception {
    timedStart(namespace, javaHome, options, "training").close();
  }

  private BenchResults.Startup startup(
      String namespace, String variant, Path javaHome, List<String> options) throws Exception {
    BenchResults.Startup startup = new BenchResults.Startup();
    startup.variant = variant;
    for (int i = 0; i < 3; i++) {
      try (Started started = timedStart(namespace, javaHome, options, variant + " " + i)) {
        startup.firstReconcileSeconds.add(started.firstWriteSeconds);
        startup.readySeconds.add(started.readySeconds);
        StartupLog.of(OUT.resolve("operator-start.log"))
            .ifPresent(
                log -> {
                  startup.quarkusBootSeconds.add(log.bootSeconds());
                  startup.informerSyncSeconds.add(log.informerSyncSeconds());
                });
        if (i == 0) {
          // Idle: the release is done with; what the JVM holds once start-up is behind it.
          Thread.sleep(5000);
          startup.idleRssMiB = started.operator.rssKiB() / 1024.0;
        }
      }
    }
    System.out.printf(
        "bench: start-up %s: %s s to first reconcile%n", variant, startup.firstReconcileSeconds);
    return startup;
  }

  private record Started(OperatorProcess operator, double firstWriteSeconds, double readySeconds)
      implements AutoCloseable {
    @Override
    public void close() {
      operator.terminate(Duration.ofSeconds(30));
    }
  }

  /**
   * Starts the operator with a release waiting for it (its Secret is missing, so the first
   * reconcile writes a status and nothing else), and times the process start to that write, as the
   * watch stream delivers it.
   */
  private Started timedStart(String namespace, Path javaHome, List<String> options, String label)
      throws Exception {
    String name = "start-" + Long.toHexString(System.nanoTime());
    client.resource(Releases.release(namespace, name, "ghcr.io/acme/fleetlm:1", "1", 1)).create();
    CompletableFuture<Long> firstWrite = new CompletableFuture<>();
    try (Watch watch =
        client
            .resources(FleetlmRelease.class)
            .inNamespace(namespace)
            .withName(name)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, FleetlmRelease release) {
                    if (release.getStatus() != null && release.getStatus().getPhase() != null) {
                      firstWrite.complete(System.nanoTime());
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                })) {
      long start = System.nanoTime();
      OperatorProcess operator =
          OperatorProcess.launch(
              javaHome,
              options,
              TestCluster.kubeconfig(),
              Map.of("FLEETLM_WATCH_NAMESPACES", namespace),
              OUT.resolve("operator-start.log"));
      operator.awaitHealth("/q/health/ready", Duration.ofSeconds(60));
      double ready = (System.nanoTime() - start) / 1e9;
      long written = firstWrite.get(60, TimeUnit.SECONDS);
      return new Started(operator, (written - start) / 1e9, ready);
    }
  }

  // ---- upgrades: the operator against a Helm hook ---------------------------------------------

  private BenchResults.Upgrades upgrades(int runs) throws Exception {
    String namespace = TestCluster.createNamespace("bench-upgrade");
    String operatorDb = db.createDatabase();
    String helmDb = db.createDatabase();
    Releases.createDatabaseSecret(client, namespace, db.ectoUrl(operatorDb));
    BenchResults.Upgrades upgrades = new BenchResults.Upgrades();
    try (OperatorProcess operator = startOperator(namespace, "operator-upgrades.log");
        MigrationPlayer player =
            new MigrationPlayer(client, namespace, db, release -> operatorDb, MIGRATION_TIME);
        WatchClock clock = new WatchClock(client, namespace)) {
      HelmHookFlow helm = new HelmHookFlow(namespace, "hooked", helmDb);
      helm.upgradeTo(image(1));
      client.resource(Releases.release(namespace, "managed", image(1), "1", 2)).create();
      awaitReady(clock, List.of("managed"), Duration.ofMinutes(2));
      for (int run = 0; run < runs; run++) {
        int tag = run + 2;
        upgrades.helmSeconds.add(helm.upgradeTo(image(tag)));
        clock.forget("managed");
        long start = System.nanoTime();
        Releases.edit(
            client,
            namespace,
            "managed",
            r -> {
              r.getSpec().setImage(image(tag));
              r.getSpec().getMigration().setExpectedVersion(String.valueOf(tag));
            });
        awaitReady(clock, List.of("managed"), Duration.ofMinutes(2));
        upgrades.operatorSeconds.add((clock.ready.get("managed") - start) / 1e9);
      }
    } finally {
      TestCluster.deleteNamespace(namespace);
    }
    System.out.printf(
        "bench: upgrades: operator %s s, helm %s s%n",
        upgrades.operatorSeconds, upgrades.helmSeconds);
    return upgrades;
  }

  // ---- scale ----------------------------------------------------------------------------------

  private BenchResults.Scale scale(int size) throws Exception {
    String namespace = TestCluster.createNamespace("bench-" + size);
    Map<String, String> databases = new ConcurrentHashMap<>();
    List<String> names = IntStream.range(0, size).mapToObj(i -> "r" + i).toList();
    ExecutorService setup = Executors.newFixedThreadPool(4);
    try {
      inParallel(
          setup,
          names,
          name -> {
            String database = db.createDatabase();
            databases.put(name, database);
            Releases.createDatabaseSecretNamed(
                client, namespace, name + "-db", db.ectoUrl(database));
          });
      BenchResults.Scale scale = new BenchResults.Scale();
      scale.releases = size;
      try (OperatorProcess operator = startOperator(namespace, "operator-" + size + ".log");
          WatchClock clock = new WatchClock(client, namespace);
          FloorController floor = new FloorController(client, namespace);
          GoFloorController goFloor = goFloor(namespace, size);
          MigrationPlayer player =
              new MigrationPlayer(client, namespace, db, databases::get, MIGRATION_TIME)) {
        scale.idleRssMiB = operator.rssKiB() / 1024.0;
        double cpuBefore = operator.cpuSeconds();
        long mark = audit.map(AuditCounter::mark).orElse(0L);
        long start = System.nanoTime();
        inParallel(
            setup,
            names,
            name -> {
              FleetlmRelease release = Releases.release(namespace, name, image(1), "1", 2);
              release.getSpec().getDatabase().getUrlSecretRef().setName(name + "-db");
              release.getSpec().getDatabase().getSecretKeyBaseSecretRef().setName(name + "-db");
              client.resource(release).create();
            });
        awaitReady(clock, names, Duration.ofMinutes(15));
        scale.wallSeconds = (System.nanoTime() - start) / 1e9;
        scale.cpuSeconds = operator.cpuSeconds() - cpuBefore;
        scale.peakRssMiB = operator.peakRssKiB() / 1024.0;
        scale.afterRssMiB = operator.rssKiB() / 1024.0;
        for (String name : names) {
          long completed = clock.jobComplete.get(name);
          scale.readySeconds.add((clock.ready.get(name) - start) / 1e9);
          scale.jobCompleteSeconds.add((completed - start) / 1e9);
          scale.reactionMs.add((clock.deploymentWritten.get(name) - completed) / 1e6);
          Long floorWrite = clock.deploymentWritten.get(FloorController.PREFIX + name);
          if (floorWrite != null) {
            scale.floorMs.add((floorWrite - completed) / 1e6);
          }
          Long goFloorWrite = clock.deploymentWritten.get(GoFloorController.PREFIX + name);
          if (goFloorWrite != null) {
            scale.goFloorMs.add((goFloorWrite - completed) / 1e6);
          }
        }
        scale.firstReleaseStatusTrail = clock.statusTrail.getOrDefault(names.get(0), List.of());
        scale.passSteps = PassSteps.parse(operator.get("/metrics").body());
        if (audit.isPresent()) {
          // The audit log is written as requests end; the last status write is in by now.
          scale.requests = audit.get().since(mark);
        }
      }
      System.out.printf("bench: %d releases Ready in %.1f s%n", size, scale.wallSeconds);
      if (audit.isPresent()) {
        scale.requestsAfterRestart = requestsOfARestart(namespace, size);
      }
      return scale;
    } finally {
      setup.shutdownNow();
      TestCluster.deleteNamespace(namespace);
    }
  }

  /**
   * The requests of an operator started over releases that are all Ready, with nothing changed:
   * from its start until it has reconciled each of them once (JOSDK's count of successful
   * reconciles).
   */
  private Map<String, Long> requestsOfARestart(String namespace, int size) {
    long mark = audit.get().mark();
    try (OperatorProcess operator = startOperator(namespace, "operator-" + size + "-restart.log")) {
      operator.awaitHealth("/q/health/ready", Duration.ofSeconds(60));
      await()
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> successfulReconciles(operator) >= size);
      Map<String, Long> requests = audit.get().since(mark);
      System.out.printf("bench: restart over %d Ready releases: %s%n", size, requests);
      return requests;
    }
  }

  private static double successfulReconciles(OperatorProcess operator) {
    return operator
        .get("/metrics")
        .body()
        .lines()
        .filter(line -> line.startsWith("operator_sdk_reconciliations_success_total"))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** The client-go floor, when hack/bench.sh built it (bench.floor names the binary). */
  private static GoFloorController goFloor(String namespace, int size) {
    String binary = System.getProperty("bench.floor", "");
    return binary.isEmpty()
        ? null
        : new GoFloorController(
            Path.of(binary),
            TestCluster.kubeconfig(),
            namespace,
            OUT.resolve("floor-go-" + size + ".log"));
  }

  private OperatorProcess startOperator(String namespace, String log) {
    return OperatorProcess.start(
        operatorKubeconfig, Map.of("FLEETLM_WATCH_NAMESPACES", namespace), OUT.resolve(log));
  }

  private static void awaitReady(WatchClock clock, List<String> names, Duration limit) {
    await()
        .atMost(limit)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> names.stream().allMatch(clock.ready::containsKey));
  }

  private static void inParallel(
      ExecutorService pool, List<String> names, java.util.function.Consumer<String> task)
      throws Exception {
    List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
    for (String name : names) {
      futures.add(pool.submit(() -> task.accept(name)));
    }
    for (var future : futures) {
      future.get();
    }
  }

  static String image(int tag) {
    return "ghcr.io/acme/fleetlm:" + tag;
  }

  /**
   * The operator runs as a ServiceAccount of its own, so that the audit log tells its requests from
   * everyone else's. Its kubeconfig's namespace is where its database Leases go.
   */
  private Path serviceAccountKubeconfig() {
    if (client.namespaces().withName(SYSTEM_NAMESPACE).get() == null) {
      client
          .namespaces()
          .resource(
              new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                  .withNewMetadata()
                  .withName(SYSTEM_NAMESPACE)
                  .endMetadata()
                  .build())
          .create();
    }
    client
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName(ACCOUNT)
                .withNamespace(SYSTEM_NAMESPACE)
                .endMetadata()
                .build())
        .serverSideApply();
    client
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(ACCOUNT)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "cluster-admin")
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName(ACCOUNT)
                .withNamespace(SYSTEM_NAMESPACE)
                .endSubject()
                .build())
        .serverSideApply();
    String token =
        client
            .serviceAccounts()
            .inNamespace(SYSTEM_NAMESPACE)
            .withName(ACCOUNT)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(4 * 3600L)
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    return TokenKubeconfig.write(client, token, SYSTEM_NAMESPACE);
  }
}
