package io.fleetlm.operator.rollout;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The release's pods as a FleetLM cluster: its Services, and how many pods are members, i.e.
 * serving endpoints of the headless Service that peers discover each other through.
 *
 * @param enabled whether clustering is wired (otherwise members are not required)
 * @param members pods whose endpoint in the headless Service is serving (the pod is Ready)
 * @param wanted replicas the spec asks for
 */
public record ClusterState(
    boolean enabled, String service, String headlessService, int members, int wanted) {

  /** Distinct pods whose endpoint is serving, over the headless Service's EndpointSlices. */
  public static int servingPods(List<EndpointSlice> slices) {
    return slices.stream()
        .flatMap(s -> Objects.requireNonNullElse(s.getEndpoints(), List.<Endpoint>of()).stream())
        .filter(
            e -> e.getConditions() != null && Boolean.TRUE.equals(e.getConditions().getServing()))
        .map(
            e ->
                e.getTargetRef() == null
                    ? String.join(",", e.getAddresses())
                    : e.getTargetRef().getName())
        .collect(Collectors.toSet())
        .size();
  }

  /** Clustering off, or every wanted pod is a member. */
  public boolean complete() {
    return !enabled || members >= wanted;
  }

  public String describe() {
    return members
        + "/"
        + wanted
        + " pods are cluster members (serving endpoints of Service "
        + headlessService
        + ")";
  }
}
