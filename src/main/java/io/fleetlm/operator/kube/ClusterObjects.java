package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fleetlm.operator.api.FleetlmRelease;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The objects besides the Deployment that make the release's pods one reachable FleetLM: a Service
 * for HTTP, a headless Service for peer discovery, a PodDisruptionBudget that keeps a Raft
 * majority, and the cluster's cookie. Pure functions of the release.
 */
public final class ClusterObjects {

  private ClusterObjects() {}

  /** ClusterIP Service that routes HTTP to the ready pods. */
  public static Service httpService(FleetlmRelease release) {
    return service(release, ResourceNames.httpServiceName(release), false);
  }

  /**
   * Headless Service for DNSPoll: one A record per pod, including pods not ready yet, so that
   * starting nodes find each other before they are Ready.
   */
  public static Service headlessService(FleetlmRelease release) {
    return service(release, ResourceNames.headlessServiceName(release), true);
  }

  /**
   * Whether a Service as stored is headless (no ClusterIP): the one the FleetLM nodes find each
   * other by.
   */
  public static boolean headless(Service service) {
    return service.getSpec() != null && "None".equals(service.getSpec().getClusterIP());
  }

  private static Service service(FleetlmRelease release, String name, boolean headless) {
    int port = PodSpecParts.port(release.getSpec());
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(release.getMetadata().getNamespace())
        .withLabels(ResourceNames.commonLabels(release, ResourceNames.COMPONENT_APP))
        .withOwnerReferences(OwnerReferences.controlledBy(release))
        .endMetadata()
        .withNewSpec()
        .withType("ClusterIP")
        .withClusterIP(headless ? "None" : null)
        .withPublishNotReadyAddresses(headless ? true : null)
        .withSelector(ResourceNames.selectorLabels(release, ResourceNames.COMPONENT_APP))
        .addNewPort()
        .withName("http")
        .withProtocol("TCP")
        .withPort(port)
        .withTargetPort(new IntOrString("http"))
        .endPort()
        .endSpec()
        .build();
  }

  /**
   * At most a minority of the pods may be disrupted at once, so Raft keeps its quorum. None with a
   * single replica: a budget of zero would block every node drain, and one node has no quorum to
   * keep.
   */
  public static Optional<PodDisruptionBudget> disruptionBudget(FleetlmRelease release) {
    return disruptionBudget(release, 0);
  }

  /**
   * @param nodesRunning the FleetLM nodes the operator runs as pods of its own: asked for one
   *     replica, two or more of them stay (FleetLM cannot go from two nodes to one), and a drain
   *     must not take them there either, so two stay available. Counted from the release's own
   *     scale (spec.replicas, 1), a maxUnavailable would let one of two go.
   */
  public static Optional<PodDisruptionBudget> disruptionBudget(
      FleetlmRelease release, int nodesRunning) {
    int replicas = Objects.requireNonNullElse(release.getSpec().getReplicas(), 1);
    boolean keepsTwo = replicas == 1 && nodesRunning >= 2;
    if (replicas <= 1 && !keepsTwo) {
      return Optional.empty();
    }
    IntOrString limit = new IntOrString(keepsTwo ? 2 : (replicas - 1) / 2);
    return Optional.of(
        new PodDisruptionBudgetBuilder()
            .withNewMetadata()
            .withName(ResourceNames.disruptionBudgetName(release))
            .withNamespace(release.getMetadata().getNamespace())
            .withLabels(ResourceNames.commonLabels(release, ResourceNames.COMPONENT_APP))
            .withOwnerReferences(OwnerReferences.controlledBy(release))
            .endMetadata()
            .withNewSpec()
            .withMaxUnavailable(keepsTwo ? null : limit)
            .withMinAvailable(keepsTwo ? limit : null)
            .withNewSelector()
            .withMatchLabels(ResourceNames.selectorLabels(release, ResourceNames.COMPONENT_APP))
            .endSelector()
            .endSpec()
            .build());
  }

  /** The cluster's Erlang cookie, created once and never rewritten: every pod must share it. */
  public static Secret cookieSecret(FleetlmRelease release, String cookie) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(ResourceNames.cookieSecretName(release))
        .withNamespace(release.getMetadata().getNamespace())
        .withLabels(ResourceNames.commonLabels(release, ResourceNames.COMPONENT_APP))
        .withOwnerReferences(OwnerReferences.controlledBy(release))
        .endMetadata()
        .withType("Opaque")
        .withStringData(Map.of(ClusterWiring.COOKIE_KEY, cookie))
        .build();
  }
}
