package io.fleetlm.operator.config;

import io.javaoperatorsdk.operator.Operator;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * Starts the operator once the HTTP port (probes, metrics) is open, without holding it up while the
 * informers sync, and exits the process if the operator cannot start: a pod that stays alive
 * without an operator in it would pass its liveness probe forever, while a process that exits is
 * restarted by the kubelet with backoff. Stops the operator on shutdown, before the Lease is handed
 * back ({@link LeaderLease}).
 */
@Singleton
public class OperatorLifecycle {

  private static final Logger LOG = Logger.getLogger(OperatorLifecycle.class);

  private final Operator operator;

  OperatorLifecycle(Operator operator) {
    this.operator = operator;
  }

  void start(@Observes StartupEvent event) {
    Thread starter =
        new Thread(
            () -> {
              try {
                operator.start();
              } catch (RuntimeException e) {
                LOG.errorf(e, "the operator could not start; exiting so that it is restarted");
                Quarkus.asyncExit(1);
              }
            },
            "operator-start");
    starter.setDaemon(true);
    starter.start();
  }

  void stop(@Observes ShutdownEvent event) {
    operator.stop();
  }
}
