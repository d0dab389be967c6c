package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.kube.ResourceNames;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** JOSDK's context of one reconcile, read once into an {@link Observation}. */
final class ReleaseObservations {

  private ReleaseObservations() {}

  static Observation of(FleetlmRelease release, Context<FleetlmRelease> context, Clock clock) {
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
            headlessSlices(release, context));
    return new Observation(
        release,
        jobsById,
        podsByJob,
        context.getSecondaryResource(Deployment.class),
        cluster,
        // Kubernetes condition times have second precision.
        clock.instant().truncatedTo(ChronoUnit.SECONDS));
  }

  /**
   * The headless Service's EndpointSlices, read from their informer by the Service's name. Not
   * JOSDK's secondary index: that holds what the slice mapper answered when a slice last changed,
   * and a slice listed before its Service reached the Service informer (an operator start) would be
   * missing until the slice changed again.
   */
  @SuppressWarnings("unchecked")
  private static List<EndpointSlice> headlessSlices(
      FleetlmRelease release, Context<FleetlmRelease> context) {
    String headless = ResourceNames.headlessServiceName(release);
    var slices =
        (InformerEventSource<EndpointSlice, FleetlmRelease>)
            context.eventSourceRetriever().getEventSourceFor(EndpointSlice.class);
    return slices
        .list(
            release.getMetadata().getNamespace(),
            slice ->
                slice.getMetadata().getLabels() != null
                    && headless.equals(
                        slice.getMetadata().getLabels().get(ClusterSync.SERVICE_NAME_LABEL)))
        .toList();
  }
}
