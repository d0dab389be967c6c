package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fleetlm.operator.api.FleetlmRelease;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether an object of a name the operator gives a release is the release's to write. FleetLM's own
 * manifests name their Services {@code fleetlm} and {@code fleetlm-headless}, the names a release
 * called {@code fleetlm} gets: server-side apply with force would quietly turn such a LoadBalancer
 * into a ClusterIP. An object is the release's when the release controls it, or when its owner
 * hands it over with the annotation {@value #ANNOTATION_ADOPT} naming the release.
 */
public final class Ownership {

  /** On an existing object: the name of the release that may take it over. */
  public static final String ANNOTATION_ADOPT = "fleetlm.io/adopt";

  private Ownership() {}

  /**
   * @return why the object is not the release's, naming its owner and how to hand it over; empty
   *     when it is the release's to write
   */
  public static Optional<String> conflict(
      String kind, ObjectMeta existing, FleetlmRelease release) {
    String name = release.getMetadata().getName();
    List<OwnerReference> owners =
        Objects.requireNonNullElse(existing.getOwnerReferences(), List.of());
    boolean controlled =
        owners.stream()
            .anyMatch(
                o ->
                    Boolean.TRUE.equals(o.getController())
                        && Objects.equals(o.getUid(), release.getMetadata().getUid()));
    Map<String, String> annotations =
        Objects.requireNonNullElse(existing.getAnnotations(), Map.of());
    if (controlled || name.equals(annotations.get(ANNOTATION_ADOPT))) {
      return Optional.empty();
    }
    return Optional.of(
        kind
            + " "
            + existing.getName()
            + " already exists and is not this release's ("
            + ownerOf(owners, existing)
            + "); nothing was changed. Rename or remove it, or hand it over with: kubectl annotate "
            + kind.toLowerCase()
            + " "
            + existing.getName()
            + " -n "
            + existing.getNamespace()
            + " "
            + ANNOTATION_ADOPT
            + "="
            + name);
  }

  private static String ownerOf(List<OwnerReference> owners, ObjectMeta existing) {
    Optional<OwnerReference> controller =
        owners.stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst();
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
