package io.fleetlm.operator.config;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.time.ZonedDateTime;
import org.jboss.logging.Logger;

/**
 * The Lease that lets one operator replica reconcile at a time. On shutdown the leader stops
 * reconciling, then hands the Lease back at once, so the next leader takes over in one retry period
 * rather than after the Lease expires. A leader that loses its Lease while running stops at once:
 * two reconcilers must never act together.
 */
@Singleton
public class LeaderLease {

  static final String NAME = "fleetlm-operator-leader";
  private static final Logger LOG = Logger.getLogger(LeaderLease.class);
  private static final Duration LEASE = Duration.ofSeconds(15);
  private static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);
  private static final Duration RETRY = Duration.ofSeconds(2);

  private final OperatorConfig config;
  private final KubernetesClient client;
  private volatile boolean shuttingDown;

  LeaderLease(OperatorConfig config, KubernetesClient client) {
    this.config = config;
    this.client = client;
  }

  /** Null when leader election is off (a single replica, `make run`). */
  LeaderElectionConfiguration configuration() {
    if (!config.leaderElection().enabled()) {
      return null;
    }
    return new LeaderElectionConfiguration(
        NAME,
        config.leaderElection().leaseNamespace().orElse(null),
        LEASE,
        RENEW_DEADLINE,
        RETRY,
        config.instanceName(),
        new LeaderCallbacks(() -> {}, this::stoppedLeading, leader -> {}),
        // JOSDK would call System.exit from inside the JVM's shutdown, which never returns.
        false);
  }

  void shutdownStarts(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent e) {
    shuttingDown = true;
  }

  /** Runs after the operator has stopped ({@link OperatorLifecycle}, at the default priority). */
  void handBackTheLease(@Observes @Priority(Interceptor.Priority.PLATFORM_AFTER) ShutdownEvent e) {
    if (!config.leaderElection().enabled()) {
      return;
    }
    String namespace = config.leaderElection().leaseNamespace().orElse(client.getNamespace());
    try {
      var lease = client.leases().inNamespace(namespace).withName(NAME).get();
      if (lease == null || !config.instanceName().equals(lease.getSpec().getHolderIdentity())) {
        return;
      }
      client
          .leases()
          .inNamespace(namespace)
          .resource(lease)
          .edit(
              l -> {
                l.getSpec().setHolderIdentity(null);
                l.getSpec().setLeaseDurationSeconds(1);
                l.getSpec().setRenewTime(ZonedDateTime.now());
                return l;
              });
      LOG.infof("handed back Lease %s/%s", namespace, NAME);
    } catch (KubernetesClientException ex) {
      LOG.warnf("could not hand back Lease %s/%s: %s", namespace, NAME, ex.getMessage());
    }
  }

  private void stoppedLeading() {
    if (shuttingDown) {
      return;
    }
    LOG.errorf("%s lost the Lease %s: stopping at once", config.instanceName(), NAME);
    Runtime.getRuntime().halt(1);
  }
}
