package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.kube.ClusterObjects;
import io.fleetlm.operator.kube.ClusterWiring;
import io.fleetlm.operator.kube.KubernetesPort;
import io.fleetlm.operator.kube.Ownership;
import io.fleetlm.operator.kube.ResourceNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Someone else's objects under the names a release's app objects get. The informers see only the
 * operator's own objects (by label), so a name missing from them is asked of the API server before
 * the operator's first write of it; an object found there that the release does not own stops the
 * release ({@link Ownership}).
 */
final class ForeignObjects {

  private ForeignObjects() {}

  /** Why the release may not write its app objects; empty when it may. */
  static List<String> of(KubernetesPort kube, Observation observation) {
    FleetlmRelease release = observation.release();
    String namespace = release.getMetadata().getNamespace();
    List<String> conflicts = new ArrayList<>();
    if (observation.deployment().isEmpty()) {
      check(kube, release, Deployment.class, ResourceNames.deploymentName(release), conflicts);
    }
    for (String service :
        List.of(
            ResourceNames.httpServiceName(release), ResourceNames.headlessServiceName(release))) {
      if (!observation.cluster().services().containsKey(service)) {
        check(kube, release, Service.class, service, conflicts);
      }
    }
    if (ClusterObjects.disruptionBudget(release).isPresent()
        && observation.cluster().budget().isEmpty()) {
      check(
          kube,
          release,
          PodDisruptionBudget.class,
          ResourceNames.disruptionBudgetName(release),
          conflicts);
    }
    if (ClusterWiring.enabled(release.getSpec()) && observation.deployment().isEmpty()) {
      // Checked with the Deployment, which is what reads the cookie; through the Secret cache,
      // as the reconcile that creates it reads it.
      kube.secret(namespace, ResourceNames.cookieSecretName(release))
          .flatMap(s -> Ownership.conflict(Secret.class.getSimpleName(), s.getMetadata(), release))
          .ifPresent(conflicts::add);
    }
    return conflicts;
  }

  private static void check(
      KubernetesPort kube,
      FleetlmRelease release,
      Class<? extends HasMetadata> kind,
      String name,
      List<String> conflicts) {
    Optional<String> conflict =
        kube.stored(kind, release.getMetadata().getNamespace(), name)
            .flatMap(meta -> Ownership.conflict(kind.getSimpleName(), meta, release));
    conflict.ifPresent(conflicts::add);
  }
}
