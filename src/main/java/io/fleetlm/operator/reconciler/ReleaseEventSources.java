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
import io.fleetlm.operator.kube.ClusterMemberFactory;
import io.fleetlm.operator.kube.ClusterObjects;
import io.fleetlm.operator.kube.FabricKubernetesPort;
import io.fleetlm.operator.kube.MigrationLockLease;
import io.fleetlm.operator.kube.OwnerReferences;
import io.fleetlm.operator.kube.ResourceNames;
import io.fleetlm.operator.kube.TrimmedItemStore;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The informers a release is reconciled from: its migration Jobs and their pods, its Deployment,
 * Services, disruption budget and the headless Service's EndpointSlices (all labelled as the
 * operator's), and the database Leases in the lock namespace. Each keeps only the fields the
 * reconcile reads (TrimmedItemStore).
 *
 * @param informers those the Kubernetes port hands its own writes to
 * @param all every event source, for JOSDK
 */
record ReleaseEventSources(
    FabricKubernetesPort.Informers informers, List<EventSource<?, FleetlmRelease>> all) {

  /**
   * @param lockNamespace where the database Leases live
   * @param waiters releases to wake when such a Lease changes
   */
  static ReleaseEventSources of(
      EventSourceContext<FleetlmRelease> context, String lockNamespace, LockWaiters waiters) {
    var jobs =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Job.class, FleetlmRelease.class)
                .withItemStore(TrimmedItemStore.jobs())
                .withLabelSelector(ResourceNames.managedSelector(ResourceNames.COMPONENT_MIGRATION))
                .build(),
            context);
    var deployments = appObjects(Deployment.class, context);
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
    var services = appObjects(Service.class, context);
    // The disruption controller rewrites a budget's status whenever a pod comes or goes; the
    // reconcile reads only the spec, so only a new spec or a deletion wakes the release.
    var budgets =
        new InformerEventSource<>(
            appObjectsOf(PodDisruptionBudget.class)
                .withOnUpdateFilter(ReleaseEventSources::specOrDeletionChanged)
                .build(),
            context);
    // The EndpointSlice controller copies the Service's labels (so the selector finds them) and
    // makes the Service their owner. The release label may hold a shortened name, so a slice is
    // mapped through its Service's owner reference, which holds the release's whole name; a slice
    // whose Service is not cached yet (an operator start) by the label, right for names that fit.
    // This only decides which release an event wakes: the reconcile reads the slices from this
    // informer by Service name (ReleaseObservations).
    var slices =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(EndpointSlice.class, FleetlmRelease.class)
                .withItemStore(new TrimmedItemStore<EndpointSlice>())
                .withLabelSelector(ResourceNames.managedSelector(ResourceNames.COMPONENT_APP))
                .withSecondaryToPrimaryMapper(
                    slice -> releaseOwning(services::get, slice.getMetadata()))
                .build(),
            context);
    // The FleetLM nodes the operator starts itself are owned by the release; a pod that starts,
    // becomes ready or stops is the next step's cue.
    var clusterNodes =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, FleetlmRelease.class)
                .withName("cluster-nodes")
                .withItemStore(TrimmedItemStore.pods())
                .withLabelSelector(
                    ResourceNames.managedSelector(ResourceNames.COMPONENT_APP)
                        + ","
                        + ClusterMemberFactory.LABEL_SERIAL)
                .build(),
            context);
    return new ReleaseEventSources(
        new FabricKubernetesPort.Informers(
            jobs, deployments, leases, services, budgets, clusterNodes),
        List.of(jobs, deployments, pods, leases, services, budgets, slices, clusterNodes));
  }

  /** The release's app objects of one kind, owned by the release (found by owner reference). */
  private static <T extends HasMetadata> InformerEventSource<T, FleetlmRelease> appObjects(
      Class<T> kind, EventSourceContext<FleetlmRelease> context) {
    return new InformerEventSource<>(appObjectsOf(kind).build(), context);
  }

  private static <T extends HasMetadata> InformerEventSourceConfiguration.Builder<T> appObjectsOf(
      Class<T> kind) {
    return InformerEventSourceConfiguration.from(kind, FleetlmRelease.class)
        .withItemStore(new TrimmedItemStore<T>())
        .withLabelSelector(ResourceNames.managedSelector(ResourceNames.COMPONENT_APP));
  }

  /**
   * Whether an update changed the object's spec (its generation) or began its deletion: not one
   * that only rewrote its status.
   */
  static boolean specOrDeletionChanged(HasMetadata updated, HasMetadata old) {
    return !Objects.equals(updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
        || !Objects.equals(
            updated.getMetadata().getDeletionTimestamp(), old.getMetadata().getDeletionTimestamp());
  }

  /**
   * The release that owns the headless Service an EndpointSlice belongs to: the one whose slices
   * the reconcile reads.
   *
   * @param services the Services as cached
   */
  static Set<ResourceID> releaseOwning(
      Function<ResourceID, Optional<Service>> services, ObjectMeta slice) {
    String service =
        slice.getLabels() == null ? null : slice.getLabels().get(ClusterSync.SERVICE_NAME_LABEL);
    if (service == null) {
      return Set.of();
    }
    Optional<Service> owner = services.apply(new ResourceID(service, slice.getNamespace()));
    if (owner.isPresent() && !ClusterObjects.headless(owner.get())) {
      // The HTTP Service's slices change as often as the headless one's, and nothing reads them.
      return Set.of();
    }
    String release =
        owner
            .flatMap(s -> OwnerReferences.releaseOf(s.getMetadata()))
            .orElse(slice.getLabels().get(ResourceNames.LABEL_RELEASE));
    return release == null ? Set.of() : Set.of(new ResourceID(release, slice.getNamespace()));
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
}
