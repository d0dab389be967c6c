package io.fleetlm.operator.config;

import io.fleetlm.operator.database.JdbcSchemaHistoryReader;
import io.fleetlm.operator.database.SchemaHistoryReader;
import io.fleetlm.operator.observability.ReleaseMetrics;
import io.fleetlm.operator.reconciler.BackoffSettings;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** What the reconciler needs, for Quarkus; tests build the same objects by hand. */
public class OperatorBeans {

  @Produces
  @Singleton
  SchemaHistoryReader schemaHistoryReader(
      @ConfigProperty(name = "fleetlm.operator.database-timeout", defaultValue = "5s")
          Duration timeout) {
    return new JdbcSchemaHistoryReader(timeout);
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
   * Only one replica reconciles when several run (Helm: replicaCount > 1). Null switches leader
   * election off, which is right for a single replica and for `make run`.
   */
  @Produces
  @Dependent
  LeaderElectionConfiguration leaderElection(
      @ConfigProperty(name = "fleetlm.operator.leader-election.enabled", defaultValue = "false")
          boolean enabled,
      @ConfigProperty(name = "fleetlm.operator.leader-election.lease-namespace")
          Optional<String> leaseNamespace) {
    if (!enabled) {
      return null;
    }
    return new LeaderElectionConfiguration("fleetlm-operator-leader", leaseNamespace.orElse(null));
  }

  @Produces
  @Singleton
  BackoffSettings verificationBackoff(
      @ConfigProperty(name = "fleetlm.operator.verification-backoff.initial", defaultValue = "5s")
          Duration initial,
      @ConfigProperty(name = "fleetlm.operator.verification-backoff.max", defaultValue = "5m")
          Duration max) {
    return new BackoffSettings(initial, max);
  }
}
