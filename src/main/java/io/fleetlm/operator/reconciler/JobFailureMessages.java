package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Says why a migration Job failed from what its pods left: the termination message (which may be a
 * log tail). The text is the container's: it is masked before it is cut, so that no secret is left
 * half visible at the cut.
 */
final class JobFailureMessages {

  private static final int MAX_LENGTH = 2048;
  private static final int OUTPUT_LENGTH = 1024;

  private JobFailureMessages() {}

  static String describe(
      Job job, String jobReason, String jobMessage, List<Pod> pods, UnaryOperator<String> mask) {
    String summary =
        "migration Job "
            + job.getMetadata().getName()
            + " failed ("
            + Objects.requireNonNullElse(jobReason, "Failed")
            + (jobMessage == null ? "" : ": " + jobMessage)
            + ")";
    Optional<String> terminated = terminationMessage(pods, mask);
    if (terminated.isPresent()) {
      return summary + ": " + terminated.get();
    }
    if (pods.isEmpty()) {
      return summary
          + "; its pod was deleted before the migration container ended, so there is no exit"
          + " code to read. Check the database for a half-applied migration, then change"
          + " spec.migration.runId to run the migration again";
    }
    return summary + "; the pod left no termination message";
  }

  /**
   * The termination message of the migration container that ended last, success or failure (at most
   * the last 1 KiB), if it left one.
   */
  static Optional<String> lastWords(List<Pod> pods, UnaryOperator<String> mask) {
    return lastTermination(pods, t -> t.getMessage() != null && !t.getMessage().isBlank())
        .map(t -> tail(mask.apply(t.getMessage().strip()), OUTPUT_LENGTH));
  }

  private static Optional<String> terminationMessage(List<Pod> pods, UnaryOperator<String> mask) {
    return lastTermination(pods, t -> t.getExitCode() != null && t.getExitCode() != 0)
        .map(t -> format(t, mask));
  }

  /** The last end of a container of these pods that matches, by its finishing time. */
  private static Optional<ContainerStateTerminated> lastTermination(
      List<Pod> pods, Predicate<ContainerStateTerminated> matching) {
    return pods.stream()
        .flatMap(
            pod ->
                Objects.requireNonNullElse(
                    pod.getStatus() == null ? null : pod.getStatus().getContainerStatuses(),
                    List.<ContainerStatus>of())
                    .stream())
        .map(s -> s.getState() == null ? null : s.getState().getTerminated())
        .filter(t -> t != null && matching.test(t))
        .max(Comparator.comparing(t -> Objects.requireNonNullElse(t.getFinishedAt(), "")));
  }

  /**
   * "exit code 1 (Error): ..." with the container's words. An Elixir crash ("** (Postgrex.Error)
   * ...") is said first, then the rest, because a log tail starts wherever the kubelet cut it.
   */
  private static String format(ContainerStateTerminated terminated, UnaryOperator<String> mask) {
    String message = mask.apply(Objects.requireNonNullElse(terminated.getMessage(), "").strip());
    String exit =
        "exit code "
            + terminated.getExitCode()
            + (terminated.getReason() == null ? "" : " (" + terminated.getReason() + ")");
    if (message.isEmpty()) {
      return exit;
    }
    Optional<String> crash =
        message.lines().map(String::strip).filter(l -> l.startsWith("** (")).findFirst();
    if (crash.isEmpty() || message.equals(crash.get())) {
      return exit + ": " + tail(message, MAX_LENGTH);
    }
    String lead = exit + ": " + crash.get();
    return lead + "; output: " + tail(message, Math.max(MAX_LENGTH - lead.length(), OUTPUT_LENGTH));
  }

  private static String tail(String text, int length) {
    return text.length() <= length ? text : "…" + text.substring(text.length() - length);
  }
}
