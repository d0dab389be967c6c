package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.kube.ClusterObjects;
import io.fleetlm.operator.kube.ClusterWiring;
import io.fleetlm.operator.kube.KubernetesPort;
import io.fleetlm.operator.kube.KubernetesPort.ObjectName;
import io.fleetlm.operator.kube.Ownership;
import io.fleetlm.operator.kube.ResourceNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Someone else's objects under the names a release's app objects get. The informers see only the
 * operator's own objects (by label), so a name missing from them is asked of the API server before
 * the operator's first write of it; an object found there that the release does not own stops the
 * release ({@link Ownership}), unless its owner handed it over to the release by annotation.
 *
 * @param conflicts why the release may not write its app objects; empty when it may
 * @param handedOver objects handed over to the release, as read: deleted before the release writes
 *     its own under their names
 */
record ForeignObjects(List<String> conflicts, List<HandedOver> handedOver) {

  /** An object a user handed over, with the kind it is deleted as. */
  record HandedOver(Class<? extends HasMetadata> kind, ObjectMeta read) {

    String describe() {
      return kind.getSimpleName() + " " + read.getName();
    }

    /** Still being deleted (it has finalizers): its name is not free yet. */
    boolean terminating() {
      return read.getDeletionTimestamp() != null;
    }
  }

  static ForeignObjects of(KubernetesPort kube, Observation observation) {
    FleetlmRelease release = observation.release();
    String namespace = release.getMetadata().getNamespace();
    List<ObjectName> unseen = new ArrayList<>();
    if (observation.deployment().isEmpty()) {
      unseen.add(
          new ObjectName(Deployment.class, namespace, ResourceNames.deploymentName(release)));
    }
    for (String service :
        List.of(
            ResourceNames.httpServiceName(release), ResourceNames.headlessServiceName(release))) {
      if (!observation.cluster().services().containsKey(service)) {
        unseen.add(new ObjectName(Service.class, namespace, service));
      }
    }
    if (ClusterObjects.disruptionBudget(release).isPresent()
        && observation.cluster().budget().isEmpty()) {
      unseen.add(
          new ObjectName(
              PodDisruptionBudget.class, namespace, ResourceNames.disruptionBudgetName(release)));
    }
    // Read together: on the path from a verified migration to the Deployment write, where one
    // round trip after another added up to a third of a second in make bench.
    List<Optional<ObjectMeta>> stored = unseen.isEmpty() ? List.of() : kube.storedAll(unseen);
    List<String> conflicts = new ArrayList<>();
    List<HandedOver> handedOver = new ArrayList<>();
    for (int i = 0; i < unseen.size(); i++) {
      Class<? extends HasMetadata> kind = unseen.get(i).kind();
      stored
          .get(i)
          .ifPresent(
              meta -> {
                if (Ownership.handedOver(meta, release)) {
                  handedOver.add(new HandedOver(kind, meta));
                } else {
                  Ownership.conflict(kind.getSimpleName(), meta, release, true)
                      .ifPresent(conflicts::add);
                }
              });
    }
    if (ClusterWiring.enabled(release.getSpec()) && observation.deployment().isEmpty()) {
      // Checked with the Deployment, which is what reads the cookie; through the Secret cache,
      // as the reconcile that creates it reads it. Never handed over: the operator may not delete
      // Secrets.
      kube.secret(namespace, ResourceNames.cookieSecretName(release))
          .flatMap(
              s ->
                  Ownership.conflict(Secret.class.getSimpleName(), s.getMetadata(), release, false))
          .ifPresent(conflicts::add);
    }
    return new ForeignObjects(List.copyOf(conflicts), List.copyOf(handedOver));
  }
}
