package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.config.OperatorConfig;
import io.fleetlm.operator.database.SchemaHistoryReader;
import io.fleetlm.operator.kube.FabricKubernetesPort;
import io.fleetlm.operator.kube.MigrationLockLease;
import io.fleetlm.operator.kube.ResourceNames;
import io.fleetlm.operator.kube.TrimmedItemStore;
import io.fleetlm.operator.kube.TrimmedReleaseStore;
import io.fleetlm.operator.observability.ReleaseMetrics;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The JOSDK face of the operator: it wires the informers, turns JOSDK's context into an {@link
 * Observation}, and hands it to {@link ReleaseReconciliation}. Failed reconciles are retried with
 * backoff for as long as they fail; their cause is written to the status on every attempt.
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
    var jobs =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Job.class, FleetlmRelease.class)
                .withItemStore(TrimmedItemStore.jobs())
                .withLabelSelector(ResourceNames.managedSelector(ResourceNames.COMPONENT_MIGRATION))
                .build(),
            context);
    var deployments =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Deployment.class, FleetlmRelease.class)
                .withItemStore(new TrimmedItemStore<Deployment>())
                .withLabelSelector(ResourceNames.managedSelector(ResourceNames.COMPONENT_APP))
                .build(),
            context);
    // Migration pods belong to Jobs; their annotation names the release.
    var pods =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, FleetlmRelease.class)
                .withItemStore(TrimmedItemStore.pods())
                .withLabelSelector(ResourceNames.managedSelector(ResourceNames.COMPONENT_MIGRATION))
                .withSecondaryToPrimaryMapper(
                    releaseNamedIn(ObjectMeta::getAnnotations, ResourceNames.ANNOTATION_RELEASE))
                .build(),
            context);
    String lockNamespace =
        config
            .lockNamespace()
            .or(() -> config.leaderElection().leaseNamespace())
            .orElseGet(
                () -> Objects.requireNonNullElse(context.getClient().getNamespace(), "default"));
    LockWaiters waiters = new LockWaiters();
    // A database Lease that changes may free the database for the releases waiting for it.
    var leases =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Lease.class, FleetlmRelease.class)
                .withItemStore(new TrimmedItemStore<Lease>())
                .withNamespaces(Set.of(lockNamespace))
                .withFollowControllerNamespacesChanges(false)
                .withLabelSelector(MigrationLockLease.LOCK_SELECTOR)
                .withSecondaryToPrimaryMapper(
                    lease ->
                        waiters.waitingFor(
                            lease.getMetadata().getName(),
                            release -> context.getPrimaryCache().get(release).isPresent()))
                .build(),
            context);
    var services =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Service.class, FleetlmRelease.class)
                .withItemStore(new TrimmedItemStore<Service>())
                .withLabelSelector(ResourceNames.managedSelector(ResourceNames.COMPONENT_APP))
                .build(),
            context);
    var budgets =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(PodDisruptionBudget.class, FleetlmRelease.class)
                .withItemStore(new TrimmedItemStore<PodDisruptionBudget>())
                .withLabelSelector(ResourceNames.managedSelector(ResourceNames.COMPONENT_APP))
                .build(),
            context);
    // The EndpointSlice controller copies the Service's labels, our release label included.
    var slices =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(EndpointSlice.class, FleetlmRelease.class)
                .withItemStore(new TrimmedItemStore<EndpointSlice>())
                .withLabelSelector(ResourceNames.managedSelector(ResourceNames.COMPONENT_APP))
                .withSecondaryToPrimaryMapper(
                    releaseNamedIn(ObjectMeta::getLabels, ResourceNames.LABEL_RELEASE))
                .build(),
            context);
    reconciliation =
        new ReleaseReconciliation(
            new FabricKubernetesPort(
                context.getClient(),
                new FabricKubernetesPort.Informers(jobs, deployments, leases, services, budgets),
                clock,
                config.instanceName(),
                metrics::eventLost),
            historyReader,
            metrics,
            metrics.gaugesOf(() -> context.getPrimaryCache().list()),
            config,
            lockNamespace,
            waiters);
    return List.of(jobs, deployments, pods, leases, services, budgets, slices);
  }

  @Override
  public UpdateControl<FleetlmRelease> reconcile(
      FleetlmRelease release, Context<FleetlmRelease> context) {
    ReleaseReconciliation.Outcome outcome = reconciliation.reconcile(observe(release, context));
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

  /** Maps an object to the release one of its labels or annotations names. */
  private static <T extends HasMetadata> SecondaryToPrimaryMapper<T> releaseNamedIn(
      Function<ObjectMeta, Map<String, String>> entries, String key) {
    return object -> {
      Map<String, String> named = entries.apply(object.getMetadata());
      String release = named == null ? null : named.get(key);
      return release == null
          ? Set.of()
          : Set.of(new ResourceID(release, object.getMetadata().getNamespace()));
    };
  }

  private Observation observe(FleetlmRelease release, Context<FleetlmRelease> context) {
    Map<String, Job> jobsById =
        context.getSecondaryResources(Job.class).stream()
            .filter(j -> j.getMetadata().getLabels() != null)
            .filter(j -> j.getMetadata().getLabels().containsKey(ResourceNames.LABEL_MIGRATION_ID))
            .collect(
                Collectors.toMap(
                    j -> j.getMetadata().getLabels().get(ResourceNames.LABEL_MIGRATION_ID),
                    Function.identity(),
                    (a, b) -> a));
    Map<String, List<Pod>> podsByJob =
        context.getSecondaryResources(Pod.class).stream()
            .filter(p -> p.getMetadata().getLabels() != null)
            .filter(p -> p.getMetadata().getLabels().containsKey(ResourceNames.LABEL_JOB_NAME))
            .collect(
                Collectors.groupingBy(
                    p -> p.getMetadata().getLabels().get(ResourceNames.LABEL_JOB_NAME)));
    Observation.Cluster cluster =
        new Observation.Cluster(
            context.getSecondaryResources(Service.class).stream()
                .collect(Collectors.toMap(s -> s.getMetadata().getName(), Function.identity())),
            context.getSecondaryResource(PodDisruptionBudget.class),
            List.copyOf(context.getSecondaryResources(EndpointSlice.class)));
    return new Observation(
        release,
        jobsById,
        podsByJob,
        context.getSecondaryResource(Deployment.class),
        cluster,
        // Kubernetes condition times have second precision.
        clock.instant().truncatedTo(ChronoUnit.SECONDS));
  }
}
