package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fleetlm.operator.api.FleetlmRelease;

/** Owner references that let garbage collection remove what a deleted release owned. */
final class OwnerReferences {

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
}
