package io.fleetlm.operator.it;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * The cluster the integration tests run on: whatever KUBECONFIG names. `make test` starts the local
 * control plane (hack/cluster/cluster.sh) and points KUBECONFIG at it; any other cluster works the
 * same way. Each test gets its own namespace, so tests never see each other's objects.
 */
public final class TestCluster {

  private static KubernetesClient client;

  private TestCluster() {}

  public static synchronized KubernetesClient client() {
    if (client == null) {
      String kubeconfig = System.getenv("KUBECONFIG");
      if (kubeconfig == null || kubeconfig.isBlank() || !Files.exists(Path.of(kubeconfig))) {
        throw new IllegalStateException(
            "KUBECONFIG does not name a kubeconfig file. Run the integration tests with 'make"
                + " test' (which starts a local cluster), or export KUBECONFIG for another"
                + " cluster.");
      }
      try {
        Config config = Config.fromKubeconfig(Files.readString(Path.of(kubeconfig)));
        client = new KubernetesClientBuilder().withConfig(config).build();
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + kubeconfig, e);
      }
    }
    return client;
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

  public static String createNamespace(String prefix) {
    return createNamespace(prefix, Map.of());
  }

  public static void deleteNamespace(String name) {
    client().namespaces().withName(name).delete();
  }
}
