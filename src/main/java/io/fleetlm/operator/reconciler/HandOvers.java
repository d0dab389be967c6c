package io.fleetlm.operator.reconciler;

import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.kube.KubernetesPort;
import io.fleetlm.operator.kube.ReleaseEvent;
import io.fleetlm.operator.kube.ResourceNames;
import io.fleetlm.operator.reconciler.ForeignObjects.HandedOver;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jboss.logging.Logger;

/**
 * Takes the objects a user handed over to a release (annotation {@value
 * ResourceNames#ANNOTATION_HAND_OVER_TO}): each is deleted, and the release creates its own under
 * the name. Deleted rather than merged into: server-side apply would keep the other owner's ports
 * and selector beside the release's (two ports named http, which the API server refuses; a selector
 * that selects no pod), and a Deployment's selector cannot change at all.
 */
final class HandOvers {

  private static final Logger LOG = Logger.getLogger(HandOvers.class);

  private HandOvers() {}

  /**
   * Called only once the release is verified and about to write its app objects, so that the
   * handed-over install serves until then.
   *
   * @throws ResourceConflictException while a handed-over object is still there (finalizers): its
   *     name is not the release's to write yet; the retry looks again
   */
  static void take(KubernetesPort kube, FleetlmRelease release, List<HandedOver> handedOver) {
    List<String> remaining = new ArrayList<>();
    for (HandedOver object : handedOver) {
      if (!object.terminating()) {
        kube.deleteHandedOver(object.kind(), object.read());
        LOG.infof(
            "%s/%s: deleted %s, handed over to the release",
            release.getMetadata().getNamespace(),
            release.getMetadata().getName(),
            object.describe());
        kube.recordEvent(
            release,
            ReleaseEvent.normal(
                Reason.HandedOver,
                object.describe()
                    + " was handed over to this release ("
                    + ResourceNames.ANNOTATION_HAND_OVER_TO
                    + "): deleted, for the release to create its own"));
      }
      kube.stored(object.kind(), object.read().getNamespace(), object.read().getName())
          .ifPresent(
              still ->
                  remaining.add(
                      object.describe()
                          + " was handed over to this release and is being deleted (it has"
                          + " finalizers: "
                          + String.join(
                              ", ", Objects.requireNonNullElse(still.getFinalizers(), List.of()))
                          + "); the release goes on once it is gone"));
    }
    if (!remaining.isEmpty()) {
      throw new ResourceConflictException(remaining);
    }
  }
}
