package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fleetlm.operator.gitops.ArgoCdHealth;
import java.util.Map;

/**
 * A release as the clients that act on its status read it, served by the API server as it is: the
 * real kstatus library (Flux, kpt), our Argo CD health check, and kubectl wait.
 */
public final class StatusReaders {

  private static final ResourceDefinitionContext RELEASES =
      new ResourceDefinitionContext.Builder()
          .withGroup("fleetlm.io")
          .withVersion("v1alpha1")
          .withKind("FleetlmRelease")
          .withPlural("fleetlmreleases")
          .withNamespaced(true)
          .build();

  private StatusReaders() {}

  /** The release as the API server serves it, not as the typed model reads it. */
  public static JsonNode served(KubernetesClient client, String namespace, String name) {
    GenericKubernetesResource object =
        client.genericKubernetesResources(RELEASES).inNamespace(namespace).withName(name).get();
    return Serialization.jsonMapper().valueToTree(object);
  }

  /** kstatus's verdict and message: InProgress, Current, Failed, ... */
  public static String kstatus(KubernetesClient client, String namespace, String name) {
    Tools.Result result =
        Tools.runWithInput(
            Map.of(), Serialization.asJson(served(client, namespace, name)), "kstatus");
    assertThat(result.exitCode()).as(result.output()).isZero();
    return result.output().trim();
  }

  public static ArgoCdHealth.Health argo(KubernetesClient client, String namespace, String name) {
    return ArgoCdHealth.of(served(client, namespace, name));
  }

  /** Whether {@code kubectl wait --for=condition=Ready} returns at once (within 2 s). */
  public static boolean kubectlWaitReady(String namespace, String name) {
    Tools.Result result =
        Tools.run(
            TestCluster.kubeconfigEnv(),
            "kubectl",
            "wait",
            "--for=condition=Ready",
            "--timeout=2s",
            "-n",
            namespace,
            "fleetlmrelease/" + name);
    return result.exitCode() == 0;
  }
}
