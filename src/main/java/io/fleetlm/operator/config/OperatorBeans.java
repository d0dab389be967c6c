package io.fleetlm.operator.config;

import io.fleetlm.operator.database.JdbcSchemaHistoryReader;
import io.fleetlm.operator.database.SchemaHistoryReader;
import io.fleetlm.operator.observability.ReleaseMetrics;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/** What the reconciler needs, for Quarkus; tests build the same objects by hand. */
public class OperatorBeans {

  @Produces
  @Singleton
  SchemaHistoryReader schemaHistoryReader(OperatorConfig config) {
    return new JdbcSchemaHistoryReader(config.databaseTimeout());
  }

  /** On shutdown the pooled database connections are closed, not left for the server to drop. */
  void closeSchemaHistoryReader(@Disposes SchemaHistoryReader reader) {
    reader.close();
  }

  @Produces
  @Singleton
  ReleaseMetrics releaseMetrics(MeterRegistry registry) {
    return new ReleaseMetrics(registry);
  }

  @Produces
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  /**
   * JOSDK's reconcile metrics, per controller only. Per release they would be a timer histogram
   * each: at a thousand releases some 70,000 Prometheus series and a tenth of the heap.
   */
  @Produces
  @Singleton
  Metrics operatorSdkMetrics(MeterRegistry registry) {
    return MicrometerMetrics.newMicrometerMetricsBuilder(registry)
        .notCollectingMetricsPerResource()
        .build();
  }

  /** Leader election: see {@link LeaderLease}. Null switches it off. */
  @Produces
  @Dependent
  LeaderElectionConfiguration leaderElection(LeaderLease lease) {
    return lease.configuration();
  }
}
