package io.fleetlm.operator.it;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fleetlm.operator.config.OperatorConfig;
import io.fleetlm.operator.config.ProductionConfig;
import io.fleetlm.operator.database.JdbcSchemaHistoryReader;
import io.fleetlm.operator.observability.ReleaseMetrics;
import io.fleetlm.operator.reconciler.FleetlmReleaseReconciler;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;

/**
 * The operator, run in the test JVM against the test cluster and watching one namespace, with the
 * production configuration (OperatorConfig's defaults) and retry (the reconciler's @GradualRetry).
 * It can be stopped and started again, the way a pod restart would, to show that it converges.
 */
public final class OperatorHarness implements AutoCloseable {

  private final KubernetesClient client;
  private final String namespace;
  private Operator operator;
  private SimpleMeterRegistry registry;

  public OperatorHarness(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  public OperatorHarness start() {
    registry = new SimpleMeterRegistry();
    OperatorConfig config = ProductionConfig.defaults();
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

  public SimpleMeterRegistry registry() {
    return registry;
  }

  @Override
  public void close() {
    stop();
  }
}
