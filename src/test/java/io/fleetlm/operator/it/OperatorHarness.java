package io.fleetlm.operator.it;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fleetlm.operator.config.OperatorConfig;
import io.fleetlm.operator.config.ProductionConfig;
import io.fleetlm.operator.database.JdbcSchemaHistoryReader;
import io.fleetlm.operator.observability.ReleaseMetrics;
import io.fleetlm.operator.reconciler.FleetlmReleaseReconciler;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator, run in the test JVM against the test cluster and watching one namespace, with the
 * production configuration (OperatorConfig's defaults) and retry (the reconciler's @GradualRetry),
 * except that clustered releases run as a Deployment ({@link #KWOK_CLUSTER_ROLL}) unless a test
 * says otherwise. It can be stopped and started again, the way a pod restart would, to show that it
 * converges.
 */
public final class OperatorHarness implements AutoCloseable {

  /**
   * The default roll, clusterRoll nodes, asks each FleetLM node in its container whether it joined
   * its Raft groups; kwok's pods run no container to ask, so on the local cluster a clustered
   * release is rolled by its Deployment. The node roll is tested on the real node
   * (OperatorRollE2E), and by ReleaseReconciliationTest against FleetLM's answers.
   */
  public static final Map<String, String> KWOK_CLUSTER_ROLL =
      Map.of("fleetlm.operator.cluster-roll", "deployment");

  private final KubernetesClient client;
  private final String namespace;
  private final Map<String, String> settings;
  private Operator operator;
  private SimpleMeterRegistry registry;
  private final FinishedReconciliations finished = new FinishedReconciliations();

  /** Counts the reconciliations that ended, per release, as JOSDK reports them. */
  private static final class FinishedReconciliations implements Metrics {
    private final Map<String, Integer> counts = new ConcurrentHashMap<>();

    @Override
    public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
      counts.merge(
          key(resource.getMetadata().getNamespace(), resource.getMetadata().getName()),
          1,
          Integer::sum);
    }

    static String key(String namespace, String name) {
      return namespace + "/" + name;
    }
  }

  public OperatorHarness(KubernetesClient client, String namespace) {
    this(client, namespace, Map.of());
  }

  /**
   * @param settings operator settings that differ from the defaults (OperatorConfig's keys)
   */
  public OperatorHarness(KubernetesClient client, String namespace, Map<String, String> settings) {
    this.client = client;
    this.namespace = namespace;
    Map<String, String> all = new java.util.HashMap<>(KWOK_CLUSTER_ROLL);
    all.putAll(settings);
    this.settings = Map.copyOf(all);
  }

  public OperatorHarness start() {
    registry = new SimpleMeterRegistry();
    OperatorConfig config = ProductionConfig.with(settings);
    var reconciler =
        new FleetlmReleaseReconciler(
            new JdbcSchemaHistoryReader(config.databaseTimeout()),
            new ReleaseMetrics(registry),
            Clock.systemUTC(),
            config);
    operator =
        new Operator(
            o ->
                o.withKubernetesClient(client)
                    .withCloseClientOnStop(false)
                    .withMetrics(finished)
                    .withCacheSyncTimeout(Duration.ofSeconds(30)));
    operator.register(reconciler, c -> c.settingNamespaces(namespace));
    operator.start();
    return this;
  }

  public void stop() {
    if (operator != null) {
      operator.stop();
      operator = null;
    }
  }

  public OperatorHarness restart() {
    stop();
    return start();
  }

  /** How many reconciliations of the release have ended since the harness was made. */
  public int reconciliationsOf(String namespace, String name) {
    return finished.counts.getOrDefault(FinishedReconciliations.key(namespace, name), 0);
  }

  public SimpleMeterRegistry registry() {
    return registry;
  }

  @Override
  public void close() {
    stop();
  }
}
