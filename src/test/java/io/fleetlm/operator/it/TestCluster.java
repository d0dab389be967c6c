package io.fleetlm.operator.it;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The cluster the integration tests run on: whatever KUBECONFIG names (`make test` starts the local
 * control plane and points KUBECONFIG at it; any other cluster works the same way). Without
 * KUBECONFIG, the first test starts the local cluster itself and stops it when the test JVM exits.
 * Each test gets its own namespace, so tests never see each other's objects.
 */
public final class TestCluster {

  private static KubernetesClient client;
  private static Path kubeconfigPath;

  private TestCluster() {}

  public static synchronized KubernetesClient client() {
    if (client == null) {
      String kubeconfig = System.getenv("KUBECONFIG");
      if (kubeconfig == null || kubeconfig.isBlank()) {
        kubeconfig = startLocalCluster().toString();
      }
      if (!Files.exists(Path.of(kubeconfig))) {
        throw new IllegalStateException(
            "KUBECONFIG names " + kubeconfig + ", which does not exist");
      }
      kubeconfigPath = Path.of(kubeconfig).toAbsolutePath();
      try {
        Config config = Config.fromKubeconfig(Files.readString(kubeconfigPath));
        client = new KubernetesClientBuilder().withConfig(config).build();
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + kubeconfig, e);
      }
    }
    return client;
  }

  /** The kubeconfig file the tests use, for tools and processes they start. */
  public static synchronized Path kubeconfig() {
    client();
    return kubeconfigPath;
  }

  /**
   * The API server's audit log of ServiceAccount requests, when the tests run on the local cluster
   * (hack/cluster/cluster.sh writes it); empty on any other cluster.
   */
  public static Optional<Path> auditLog() {
    Path local = Path.of("target", "cluster", "kubeconfig").toAbsolutePath();
    Path log =
        Path.of("target", "cluster", "kwok", "clusters", "fleetlm", "logs", "audit.log")
            .toAbsolutePath();
    return kubeconfig().equals(local) && Files.exists(log) ? Optional.of(log) : Optional.empty();
  }

  private static Path startLocalCluster() {
    Tools.Result up = Tools.run(Map.of(), "bash", "hack/cluster/cluster.sh", "up");
    if (up.exitCode() != 0) {
      throw new IllegalStateException("hack/cluster/cluster.sh up failed:\n" + up.output());
    }
    if (!up.output().contains("already running")) {
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(() -> Tools.run(Map.of(), "bash", "hack/cluster/cluster.sh", "down")));
    }
    return Path.of("target", "cluster", "kubeconfig").toAbsolutePath();
  }

  /** The environment that points kubectl and helm at the test cluster. */
  public static Map<String, String> kubeconfigEnv() {
    return Map.of("KUBECONFIG", kubeconfig().toString());
  }

  /** A fresh namespace; deleting it at the end lets garbage collection clean up. */
  public static String createNamespace(String prefix, Map<String, String> labels) {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    client()
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .create();
    return name;
  }

  /**
   * A namespace with exactly this name, for fixtures that recorded it; waits for one of that name
   * that a previous run deleted to be gone.
   */
  public static String createExactNamespace(String name) {
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(90))
        .until(() -> client().namespaces().withName(name).get() == null);
    client()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  public static String createNamespace(String prefix) {
    return createNamespace(prefix, Map.of());
  }

  public static void deleteNamespace(String name) {
    client().namespaces().withName(name).delete();
  }
}
