package io.fleetlm.operator.reconciler;

import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.config.OperatorConfig;
import io.fleetlm.operator.database.SchemaHistoryReader;
import io.fleetlm.operator.kube.ExecFleetlmNodes;
import io.fleetlm.operator.kube.FabricKubernetesPort;
import io.fleetlm.operator.kube.TrimmedReleaseStore;
import io.fleetlm.operator.observability.ReleaseMetrics;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * The JOSDK face of the operator: it makes the informers ({@link ReleaseEventSources}), turns
 * JOSDK's context into an {@link Observation} ({@link ReleaseObservations}), and hands it to {@link
 * ReleaseReconciliation}. Failed reconciles are retried with backoff for as long as they fail;
 * their cause is written to the status on every attempt.
 */
@ControllerConfiguration(
    name = FleetlmReleaseReconciler.NAME,
    informer = @Informer(itemStore = TrimmedReleaseStore.class))
@GradualRetry(maxAttempts = -1, initialInterval = 2000, intervalMultiplier = 2, maxInterval = 60000)
public class FleetlmReleaseReconciler implements Reconciler<FleetlmRelease> {

  public static final String NAME = "fleetlmrelease";

  private final SchemaHistoryReader historyReader;
  private final ReleaseMetrics metrics;
  private final Clock clock;
  private final OperatorConfig config;
  private ReleaseReconciliation reconciliation;

  @Inject
  public FleetlmReleaseReconciler(
      SchemaHistoryReader historyReader,
      ReleaseMetrics metrics,
      Clock clock,
      OperatorConfig config) {
    this.historyReader = historyReader;
    this.metrics = metrics;
    this.clock = clock;
    this.config = config;
  }

  @Override
  public List<EventSource<?, FleetlmRelease>> prepareEventSources(
      EventSourceContext<FleetlmRelease> context) {
    String lockNamespace =
        config
            .lockNamespace()
            .or(() -> config.leaderElection().leaseNamespace())
            .orElseGet(
                () -> Objects.requireNonNullElse(context.getClient().getNamespace(), "default"));
    LockWaiters waiters = new LockWaiters();
    ReleaseEventSources sources = ReleaseEventSources.of(context, lockNamespace, waiters);
    reconciliation =
        new ReleaseReconciliation(
            new FabricKubernetesPort(
                context.getClient(),
                sources.informers(),
                clock,
                config.instanceName(),
                metrics::eventLost),
            historyReader,
            metrics,
            metrics.gaugesOf(() -> context.getPrimaryCache().list()),
            config,
            lockNamespace,
            waiters,
            new ExecFleetlmNodes(context.getClient(), config.nodeRpcTimeout()));
    return sources.all();
  }

  @Override
  public UpdateControl<FleetlmRelease> reconcile(
      FleetlmRelease release, Context<FleetlmRelease> context) {
    ReleaseReconciliation.Outcome outcome =
        reconciliation.reconcile(ReleaseObservations.of(release, context, clock));
    cacheWritten(release, outcome, context);
    UpdateControl<FleetlmRelease> control = UpdateControl.noUpdate();
    return outcome.requeueAfter().isZero()
        ? control
        : control.rescheduleAfter(outcome.requeueAfter());
  }

  @Override
  public ErrorStatusUpdateControl<FleetlmRelease> updateErrorStatus(
      FleetlmRelease release, Context<FleetlmRelease> context, Exception e) {
    int attempt = context.getRetryInfo().map(RetryInfo::getAttemptCount).orElse(1);
    ReleaseReconciliation.Outcome outcome =
        reconciliation.failed(release, e, attempt, clock.instant().truncatedTo(ChronoUnit.SECONDS));
    cacheWritten(release, outcome, context);
    ErrorStatusUpdateControl<FleetlmRelease> control = ErrorStatusUpdateControl.noStatusUpdate();
    return outcome.retry() ? control : control.withNoRetry();
  }

  /**
   * Hands the status just written to the primary cache, so that a reconcile triggered before its
   * watch event arrives starts from it: a stale copy would only earn a conflict and a retry.
   */
  private static void cacheWritten(
      FleetlmRelease before,
      ReleaseReconciliation.Outcome outcome,
      Context<FleetlmRelease> context) {
    FleetlmRelease written = outcome.written();
    if (written != null) {
      context
          .eventSourceRetriever()
          .getControllerEventSource()
          .handleRecentResourceUpdate(ResourceID.fromResource(written), written, before);
    }
  }
}
