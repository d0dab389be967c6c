package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.database.SchemaHistoryReader;
import io.fleetlm.operator.kube.ResourceNames;
import io.fleetlm.operator.observability.ReleaseMetrics;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.List;

/**
 * Migrate, verify, then roll out. Each reconcile observes (Jobs and the Deployment through
 * informers, the database by polling), decides the next migration step (pure), acts, and writes the
 * status computed in one place. The Deployment is only ever written for a release whose migrations
 * were verified, and that verification is recorded in the status before the write.
 */
@ControllerConfiguration(name = FleetlmReleaseReconciler.NAME)
public class FleetlmReleaseReconciler implements Reconciler<FleetlmRelease> {

  public static final String NAME = "fleetlmrelease";

  private final SchemaHistoryReader historyReader;
  private final ReleaseMetrics metrics;
  private final Clock clock;
  private final VerificationBackoff backoff;

  @Inject
  public FleetlmReleaseReconciler(
      SchemaHistoryReader historyReader,
      ReleaseMetrics metrics,
      Clock clock,
      BackoffSettings verificationBackoff) {
    this.historyReader = historyReader;
    this.metrics = metrics;
    this.clock = clock;
    this.backoff =
        new VerificationBackoff(verificationBackoff.initial(), verificationBackoff.max());
  }

  @Override
  public List<EventSource<?, FleetlmRelease>> prepareEventSources(
      EventSourceContext<FleetlmRelease> context) {
    metrics.readReleasesFrom(() -> context.getPrimaryCache().list());
    var jobs =
        InformerEventSourceConfiguration.from(Job.class, FleetlmRelease.class)
            .withLabelSelector(ResourceNames.managedSelector(ResourceNames.COMPONENT_MIGRATION))
            .build();
    var deployments =
        InformerEventSourceConfiguration.from(Deployment.class, FleetlmRelease.class)
            .withLabelSelector(ResourceNames.managedSelector(ResourceNames.COMPONENT_APP))
            .build();
    return List.of(
        new InformerEventSource<>(jobs, context), new InformerEventSource<>(deployments, context));
  }

  @Override
  public UpdateControl<FleetlmRelease> reconcile(
      FleetlmRelease release, Context<FleetlmRelease> context) {
    return new ReleaseReconciliation(release, context, historyReader, metrics, clock, backoff)
        .run();
  }
}
