package io.fleetlm.operator.it;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Ends a pod the way its container would, through the local cluster's kwok stage
 * (hack/cluster/pod-exit-stage.yaml): the annotations set the exit code and termination message.
 */
public final class PodExit {

  public static final String EXIT_CODE = "kwok.fleetlm.io/exit-code";
  public static final String MESSAGE = "kwok.fleetlm.io/termination-message";

  private PodExit() {}

  public static void succeed(KubernetesClient client, Pod pod) {
    end(client, pod, 0, "");
  }

  /** Exit code 0, leaving a termination message as a container writing one would. */
  public static void succeed(KubernetesClient client, Pod pod, String message) {
    end(client, pod, 0, message);
  }

  public static void fail(KubernetesClient client, Pod pod, int exitCode, String message) {
    end(client, pod, exitCode, message);
  }

  private static void end(KubernetesClient client, Pod pod, int exitCode, String message) {
    client
        .pods()
        .inNamespace(pod.getMetadata().getNamespace())
        .withName(pod.getMetadata().getName())
        .edit(
            p ->
                new PodBuilder(p)
                    .editMetadata()
                    .addToAnnotations(EXIT_CODE, String.valueOf(exitCode))
                    .addToAnnotations(MESSAGE, message)
                    .endMetadata()
                    .build());
  }
}
