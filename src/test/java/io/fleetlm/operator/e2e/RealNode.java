package io.fleetlm.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.it.TestCluster;
import io.fleetlm.operator.it.Tools;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * The real kubelet node of {@code make e2e} (tainted so that only pods that ask land there), and
 * what the end-to-end tests do with its pods.
 */
final class RealNode {

  static final String TAINT = "fleetlm.io/real-node";
  static final Duration TIMEOUT = Duration.ofSeconds(180);

  final String name;
  final String gateway;

  private RealNode(String name, String gateway) {
    this.name = name;
    this.gateway = gateway;
  }

  /** The cluster's real node; the test is skipped, saying why, when there is none. */
  static RealNode require(KubernetesClient client) {
    Optional<Node> node =
        client.nodes().list().getItems().stream()
            .filter(
                n ->
                    n.getSpec().getTaints() != null
                        && n.getSpec().getTaints().stream().anyMatch(t -> TAINT.equals(t.getKey())))
            .findFirst();
    Assumptions.assumeTrue(
        node.isPresent(), "no real kubelet node in this cluster: run `make e2e` (needs root)");
    String gateway =
        node.get().getStatus().getAddresses().stream()
            .filter(a -> "InternalIP".equals(a.getType()))
            .findFirst()
            .orElseThrow()
            .getAddress();
    return new RealNode(node.get().getMetadata().getName(), gateway);
  }

  Map<String, String> nodeSelector() {
    return Map.of("kubernetes.io/hostname", name);
  }

  static Toleration toleration() {
    return new TolerationBuilder().withKey(TAINT).withOperator("Exists").build();
  }

  FleetlmRelease place(FleetlmRelease release) {
    release.getSpec().setNodeSelector(nodeSelector());
    release.getSpec().setTolerations(List.of(toleration()));
    return release;
  }

  /**
   * A pod on this node that the "restricted" Pod Security Standard admits, run once: FleetLM's uid
   * and gid (the container asks for no more than {@link #restrictedContainer()} allows).
   */
  Pod restrictedPod(String namespace, String podName, Container container) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(podName)
        .withNamespace(namespace)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withNodeSelector(nodeSelector())
        .withTolerations(toleration())
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withRunAsUser(1000L)
        .withRunAsGroup(1000L)
        .withFsGroup(1000L)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .withContainers(container)
        .endSpec()
        .build();
  }

  /** No privileges, no capabilities, a read-only root filesystem. */
  static SecurityContext restrictedContainer() {
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .build();
  }

  /**
   * Installs the operator's chart with its locally built image onto this node, watching one
   * namespace, and waits for it; {@code settings} are further {@code --set} values.
   */
  void installOperator(String release, String namespace, String watched, String... settings) {
    List<String> argv =
        new java.util.ArrayList<>(
            List.of(
                "helm",
                "install",
                release,
                "helm/fleetlm-operator",
                "-n",
                namespace,
                "--skip-crds",
                "--set",
                "image.repository=localhost/fleetlm/operator",
                "--set",
                "image.tag=dev",
                "--set",
                "image.pullPolicy=Never",
                "--set",
                "watchNamespaces={" + watched + "}",
                "--set",
                "nodeSelector.kubernetes\\.io/hostname=" + name,
                "--set",
                "tolerations[0].key=" + TAINT,
                "--set",
                "tolerations[0].operator=Exists",
                "--wait",
                "--timeout",
                "3m"));
    for (String setting : settings) {
      argv.add("--set");
      argv.add(setting);
    }
    Tools.Result install = Tools.run(TestCluster.kubeconfigEnv(), argv.toArray(String[]::new));
    assertThat(install.exitCode()).as(install.output()).isZero();
  }

  /** A command in a pod's container, as `kubectl exec` runs it. */
  static Tools.Result exec(String namespace, String pod, String... command) {
    String[] argv = new String[command.length + 6];
    System.arraycopy(new String[] {"kubectl", "exec", "-n", namespace, pod, "--"}, 0, argv, 0, 6);
    System.arraycopy(command, 0, argv, 6, command.length);
    return Tools.run(TestCluster.kubeconfigEnv(), argv);
  }

  /** An expression evaluated inside the running FleetLM node of a pod (bin/fleetlm rpc). */
  static Tools.Result rpc(String namespace, String pod, String expression) {
    return exec(namespace, pod, "/app/fleetlm/bin/fleetlm", "rpc", expression);
  }

  static Pod awaitEnded(KubernetesClient client, String namespace, String pod) {
    return await()
        .atMost(TIMEOUT)
        .until(
            () -> client.pods().inNamespace(namespace).withName(pod).get(),
            p -> terminated(p) != null);
  }

  /** The first container's last end, from its current or its last state. */
  static ContainerStateTerminated terminated(Pod pod) {
    if (pod == null
        || pod.getStatus().getContainerStatuses() == null
        || pod.getStatus().getContainerStatuses().isEmpty()) {
      return null;
    }
    var status = pod.getStatus().getContainerStatuses().get(0);
    if (status.getState().getTerminated() != null) {
      return status.getState().getTerminated();
    }
    return status.getLastState() == null ? null : status.getLastState().getTerminated();
  }

  static boolean ready(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
