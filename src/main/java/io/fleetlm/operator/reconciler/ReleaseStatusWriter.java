package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseStatus;

/**
 * Writes a release's status with server-side apply, only when it changed, and conditional on the
 * resourceVersion the reconcile read: a reconcile that started from a stale cache gets a conflict
 * and is retried with fresh data instead of overwriting newer status.
 */
final class ReleaseStatusWriter {

  private final KubernetesClient client;
  private final FleetlmRelease release;
  private String resourceVersion;

  ReleaseStatusWriter(KubernetesClient client, FleetlmRelease release) {
    this.client = client;
    this.release = release;
    this.resourceVersion = release.getMetadata().getResourceVersion();
  }

  void write(FleetlmReleaseStatus status) {
    if (Serialization.asJson(status).equals(Serialization.asJson(release.getStatus()))) {
      return;
    }
    FleetlmRelease patch = new FleetlmRelease();
    patch.getMetadata().setName(release.getMetadata().getName());
    patch.getMetadata().setNamespace(release.getMetadata().getNamespace());
    patch.getMetadata().setResourceVersion(resourceVersion);
    patch.setStatus(status);
    FleetlmRelease written =
        client
            .resource(patch)
            .subresource("status")
            .patch(
                new PatchContext.Builder()
                    .withPatchType(PatchType.SERVER_SIDE_APPLY)
                    .withFieldManager(FleetlmReleaseReconciler.NAME)
                    .withForce(true)
                    .build());
    // A second write in the same reconcile builds on the first.
    resourceVersion = written.getMetadata().getResourceVersion();
    release.setStatus(status);
  }
}
