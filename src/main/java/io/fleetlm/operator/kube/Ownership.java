package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fleetlm.operator.api.FleetlmRelease;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether an object of a name the operator gives a release is the release's to write. FleetLM's own
 * manifests name their Services {@code fleetlm} and {@code fleetlm-headless}, the names a release
 * called {@code fleetlm} gets: server-side apply with force would quietly turn such a LoadBalancer
 * into a ClusterIP and merge its own selector into the other's, selecting no pod. An object is the
 * release's only when the release controls it.
 */
public final class Ownership {

  private Ownership() {}

  /**
   * @return why the object is not the release's, naming its owner and the ways on; empty when it is
   *     the release's to write
   */
  public static Optional<String> conflict(
      String kind, ObjectMeta existing, FleetlmRelease release) {
    Optional<OwnerReference> controller = OwnerReferences.controllerOf(existing);
    if (controller
        .map(o -> Objects.equals(o.getUid(), release.getMetadata().getUid()))
        .orElse(false)) {
      return Optional.empty();
    }
    return Optional.of(
        kind
            + " "
            + existing.getName()
            + " already exists and is not this release's ("
            + ownerOf(controller, existing)
            + "); nothing was changed. Give the release another name (its objects are named"
            + " after it), or delete "
            + kind.toLowerCase()
            + " "
            + existing.getName()
            + " in namespace "
            + existing.getNamespace()
            + " and the release creates its own");
  }

  private static String ownerOf(Optional<OwnerReference> controller, ObjectMeta existing) {
    if (controller.isPresent()) {
      return "controlled by "
          + controller.get().getKind()
          + " "
          + controller.get().getName()
          + " (uid "
          + controller.get().getUid()
          + ")";
    }
    String managedBy =
        Objects.requireNonNullElse(existing.getLabels(), Map.<String, String>of())
            .get(ResourceNames.LABEL_MANAGED_BY);
    return managedBy != null ? "managed by " + managedBy : "it has no owner";
  }
}
