package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/** Finds why a migration Job failed: its pod's termination message, which may be a log tail. */
final class JobFailureMessages {

  private static final int MAX_LENGTH = 2048;
  // user:password@ in any URL-looking text; migration logs sometimes echo DATABASE_URL.
  private static final Pattern URL_CREDENTIALS = Pattern.compile("(?<=://)[^/\\s:@]+:[^/\\s@]+@");

  private final KubernetesClient client;

  JobFailureMessages(KubernetesClient client) {
    this.client = client;
  }

  String describe(Job job, String jobReason, String jobMessage) {
    String summary =
        "migration Job "
            + job.getMetadata().getName()
            + " failed ("
            + Objects.requireNonNullElse(jobReason, "Failed")
            + (jobMessage == null ? "" : ": " + jobMessage)
            + ")";
    return terminationMessage(job)
        .map(message -> summary + ": " + redact(message))
        .orElse(summary + "; the pod left no termination message");
  }

  private Optional<String> terminationMessage(Job job) {
    List<Pod> pods =
        client
            .pods()
            .inNamespace(job.getMetadata().getNamespace())
            .withLabel("batch.kubernetes.io/job-name", job.getMetadata().getName())
            .list()
            .getItems();
    return pods.stream()
        .flatMap(
            pod ->
                Objects.requireNonNullElse(
                    pod.getStatus() == null ? null : pod.getStatus().getContainerStatuses(),
                    List.<ContainerStatus>of())
                    .stream())
        .map(s -> s.getState() == null ? null : s.getState().getTerminated())
        .filter(t -> t != null && t.getExitCode() != null && t.getExitCode() != 0)
        .max(Comparator.comparing(t -> Objects.requireNonNullElse(t.getFinishedAt(), "")))
        .map(JobFailureMessages::format);
  }

  private static String format(ContainerStateTerminated terminated) {
    String message = Objects.requireNonNullElse(terminated.getMessage(), "").strip();
    String text =
        "exit code "
            + terminated.getExitCode()
            + (terminated.getReason() == null ? "" : " (" + terminated.getReason() + ")")
            + (message.isEmpty() ? "" : ": " + message);
    return text.length() <= MAX_LENGTH ? text : "…" + text.substring(text.length() - MAX_LENGTH);
  }

  static String redact(String text) {
    return URL_CREDENTIALS.matcher(text).replaceAll("***:***@");
  }
}
