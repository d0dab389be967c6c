package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fleetlm.operator.api.FleetlmRelease;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Owner references that let garbage collection remove what a deleted release owned. */
public final class OwnerReferences {

  private OwnerReferences() {}

  static OwnerReference controlledBy(FleetlmRelease release) {
    return new OwnerReferenceBuilder()
        .withApiVersion(release.getApiVersion())
        .withKind(release.getKind())
        .withName(release.getMetadata().getName())
        .withUid(release.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /** The name of the release that controls an object, if one does. */
  public static Optional<String> releaseOf(ObjectMeta meta) {
    return controllerOf(meta)
        .filter(o -> HasMetadata.getKind(FleetlmRelease.class).equals(o.getKind()))
        .map(OwnerReference::getName);
  }

  /** Whether this release, not one of its name deleted before, controls the object. */
  public static boolean controlledBy(ObjectMeta meta, FleetlmRelease release) {
    return controllerOf(meta)
        .map(o -> Objects.equals(o.getUid(), release.getMetadata().getUid()))
        .orElse(false);
  }

  /** The owner that controls an object (at most one may), if any. */
  static Optional<OwnerReference> controllerOf(ObjectMeta meta) {
    return Objects.requireNonNullElse(meta.getOwnerReferences(), List.<OwnerReference>of()).stream()
        .filter(o -> Boolean.TRUE.equals(o.getController()))
        .findFirst();
  }
}
