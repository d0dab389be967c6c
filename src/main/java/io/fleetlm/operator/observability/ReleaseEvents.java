package io.fleetlm.operator.observability;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.Phase;
import java.time.Clock;
import org.jboss.logging.Logger;

/** Kubernetes Events on a FleetlmRelease, one per phase change. Messages never hold secrets. */
public class ReleaseEvents {

  private static final Logger LOG = Logger.getLogger(ReleaseEvents.class);
  private static final String COMPONENT = "fleetlm-operator";
  private static final int MAX_MESSAGE = 1024;

  private final KubernetesClient client;
  private final Clock clock;

  public ReleaseEvents(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void phaseChanged(
      FleetlmRelease release, Phase from, Phase to, String reason, String message) {
    String text =
        (from == null ? "" : from + " -> ")
            + to
            + (message == null || message.isEmpty() ? "" : ": " + message);
    record(release, to == Phase.Failed, reason == null ? to.name() : reason, text);
  }

  /** The verification is the step users most want to see; it gets an Event of its own. */
  public void verified(FleetlmRelease release, String message) {
    record(release, false, "MigrationsVerified", message);
  }

  private void record(FleetlmRelease release, boolean warning, String reason, String text) {
    String now = clock.instant().toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(release.getMetadata().getName() + ".")
            .withNamespace(release.getMetadata().getNamespace())
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(release.getApiVersion())
            .withKind(release.getKind())
            .withName(release.getMetadata().getName())
            .withNamespace(release.getMetadata().getNamespace())
            .withUid(release.getMetadata().getUid())
            .endInvolvedObject()
            .withType(warning ? "Warning" : "Normal")
            .withReason(reason)
            .withMessage(text.length() > MAX_MESSAGE ? text.substring(0, MAX_MESSAGE) : text)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .withReportingInstance(COMPONENT)
            .build();
    try {
      client
          .v1()
          .events()
          .inNamespace(release.getMetadata().getNamespace())
          .resource(event)
          .create();
    } catch (KubernetesClientException e) {
      // An Event is a courtesy; losing one must not fail the reconcile.
      LOG.warnf(
          "could not record event on %s: %s", release.getMetadata().getName(), e.getMessage());
    }
  }
}
