package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fleetlm.operator.api.FleetlmRelease;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Writes the operator's Events on a thread of its own, in the order they were recorded, so that a
 * reconcile never waits for one. A repeat of an Event this operator wrote (same release, type,
 * reason and message) bumps that Event's count instead of adding one; the recorder remembers the
 * Events it wrote, as client-go's correlator does, rather than listing them again.
 */
final class EventRecorder {

  private static final Logger LOG = Logger.getLogger(EventRecorder.class);
  private static final int MAX_MESSAGE_BYTES = 1024;
  private static final int QUEUED = 1024;
  private static final int REMEMBERED = 4096;

  private final KubernetesClient client;
  private final Clock clock;
  private final String reportingInstance;
  private final ThreadPoolExecutor writer;
  private final EventLoss loss;
  // Touched by the writer thread only.
  private final Map<String, Written> written = new RecentEntries<>(REMEMBERED);

  private record Written(String name, int count) {}

  EventRecorder(KubernetesClient client, Clock clock, String reportingInstance, EventLoss loss) {
    this.client = client;
    this.clock = clock;
    this.reportingInstance = reportingInstance;
    this.loss = loss;
    this.writer =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUED),
            task -> {
              Thread thread = new Thread(task, "fleetlm-events");
              thread.setDaemon(true);
              return thread;
            },
            (task, pool) -> {
              LOG.warn("more than " + QUEUED + " Events waiting: one was dropped");
              loss.lost("queue_full");
            });
  }

  /** Queues the Event; what it says is fixed now, whatever happens to the release later. */
  void record(FleetlmRelease release, ReleaseEvent event) {
    Instant now = clock.instant();
    ObjectReference involved =
        new ObjectReferenceBuilder()
            .withApiVersion(release.getApiVersion())
            .withKind(release.getKind())
            .withName(release.getMetadata().getName())
            .withNamespace(release.getMetadata().getNamespace())
            .withUid(release.getMetadata().getUid())
            .build();
    // Named after the moment it happened, so that Events of the same second (kubectl describe
    // sorts by lastTimestamp, in seconds) still list in the order they happened.
    String name = ResourceNames.eventName(release, ChronoUnit.MICROS.between(Instant.EPOCH, now));
    Event fresh =
        new EventBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(involved.getNamespace())
            .endMetadata()
            .withInvolvedObject(involved)
            .withType(event.warning() ? "Warning" : "Normal")
            .withReason(event.reason().name())
            .withMessage(truncateToBytes(event.message(), MAX_MESSAGE_BYTES))
            .withFirstTimestamp(seconds(now))
            .withLastTimestamp(seconds(now))
            .withCount(1)
            .withNewSource()
            .withComponent(FabricKubernetesPort.FIELD_MANAGER)
            .endSource()
            .withReportingComponent(FabricKubernetesPort.FIELD_MANAGER)
            .withReportingInstance(reportingInstance)
            .build();
    writer.execute(() -> write(fresh));
  }

  private void write(Event fresh) {
    String key =
        String.join(
            "\u0000",
            fresh.getInvolvedObject().getUid(),
            fresh.getType(),
            fresh.getReason(),
            fresh.getMessage());
    try {
      Written repeat = written.get(key);
      if (repeat != null && countAgain(fresh, repeat)) {
        written.put(key, new Written(repeat.name(), repeat.count() + 1));
        return;
      }
      client.resource(fresh).create();
      written.put(key, new Written(fresh.getMetadata().getName(), 1));
    } catch (KubernetesClientException e) {
      // An Event is a courtesy: losing one must not fail anything.
      LOG.warnf(
          "could not record Event %s on %s: %s",
          fresh.getReason(), fresh.getInvolvedObject().getName(), e.getMessage());
      loss.lost("refused");
    }
  }

  /** False when the Event to count again is gone (Events expire after an hour by default). */
  private boolean countAgain(Event fresh, Written repeat) {
    try {
      // Patched through a named stub: fabric8's withName(..).patch(..) first GETs the Event,
      // which the chart does not grant (Events: create, patch), and the repeat was lost.
      client
          .v1()
          .events()
          .inNamespace(fresh.getMetadata().getNamespace())
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withName(repeat.name())
                  .withNamespace(fresh.getMetadata().getNamespace())
                  .endMetadata()
                  .build())
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"count\":"
                  + (repeat.count() + 1)
                  + ",\"lastTimestamp\":\""
                  + fresh.getLastTimestamp()
                  + "\"}");
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  private static String seconds(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** At most maxBytes of UTF-8, cut at a character boundary and marked with an ellipsis. */
  static String truncateToBytes(String text, int maxBytes) {
    if (text == null) {
      return "";
    }
    if (text.getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
      return text;
    }
    String ellipsis = "…";
    int budget = maxBytes - ellipsis.getBytes(StandardCharsets.UTF_8).length;
    StringBuilder cut = new StringBuilder();
    for (int codePoint : text.codePoints().toArray()) {
      String next = new String(Character.toChars(codePoint));
      budget -= next.getBytes(StandardCharsets.UTF_8).length;
      if (budget < 0) {
        break;
      }
      cut.append(next);
    }
    return cut + ellipsis;
  }
}
