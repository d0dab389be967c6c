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
   * @param canHandOver whether an object of this kind may be handed over by annotation: not a
   *     Secret, which the operator is not allowed to delete
   * @return why the object is not the release's, naming its owner and the ways on; empty when it is
   *     the release's to write
   */
  public static Optional<String> conflict(
      String kind, ObjectMeta existing, FleetlmRelease release, boolean canHandOver) {
    if (OwnerReferences.controlledBy(existing, release)) {
      return Optional.empty();
    }
    Optional<OwnerReference> controller = OwnerReferences.controllerOf(existing);
    if (handOverAsked(existing, release) && controller.isPresent()) {
      return Optional.of(
          kind
              + " "
              + existing.getName()
              + " is annotated "
              + ResourceNames.ANNOTATION_HAND_OVER_TO
              + " but is "
              + ownerOf(controller, existing)
              + ", which would make it again; nothing was changed. Hand over only objects that"
              + " no controller owns, or delete it in namespace "
              + existing.getNamespace());
    }
    return Optional.of(
        kind
            + " "
            + existing.getName()
            + " already exists and is not this release's ("
            + ownerOf(controller, existing)
            + "); nothing was changed. Give the release another name (its objects are named"
            + " after it), "
            + (canHandOver
                ? "hand it over (kubectl annotate "
                    + kind.toLowerCase()
                    + " "
                    + existing.getName()
                    + " "
                    + ResourceNames.ANNOTATION_HAND_OVER_TO
                    + "="
                    + release.getMetadata().getName()
                    + ": it is deleted and the release creates its own), "
                : "")
            + "or delete "
            + kind.toLowerCase()
            + " "
            + existing.getName()
            + " in namespace "
            + existing.getNamespace()
            + " and the release creates its own");
  }

  /**
   * Whether the user handed the object over to the release: annotated {@value
   * ResourceNames#ANNOTATION_HAND_OVER_TO} with the release's name, and owned by no controller that
   * would make it again.
   */
  public static boolean handedOver(ObjectMeta existing, FleetlmRelease release) {
    return handOverAsked(existing, release) && OwnerReferences.controllerOf(existing).isEmpty();
  }

  private static boolean handOverAsked(ObjectMeta existing, FleetlmRelease release) {
    return release
        .getMetadata()
        .getName()
        .equals(
            Objects.requireNonNullElse(existing.getAnnotations(), Map.<String, String>of())
                .get(ResourceNames.ANNOTATION_HAND_OVER_TO));
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
