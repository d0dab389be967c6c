package io.fleetlm.operator.it;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/** A kubeconfig that authenticates only with a ServiceAccount's token, on the admin's cluster. */
public final class TokenKubeconfig {

  private TokenKubeconfig() {}

  /**
   * @param namespace the context's namespace (where the operator puts its Leases), or null
   */
  public static Path write(KubernetesClient admin, String token, String namespace) {
    Config adminConfig = admin.getConfiguration();
    try {
      String ca =
          adminConfig.getCaCertData() != null
              ? adminConfig.getCaCertData()
              : Base64.getEncoder()
                  .encodeToString(Files.readAllBytes(Path.of(adminConfig.getCaCertFile())));
      Path file = Files.createTempFile("operator-sa", ".kubeconfig");
      Files.writeString(
          file,
          String.join(
              "\n",
              "apiVersion: v1",
              "kind: Config",
              "clusters:",
              "- name: local",
              "  cluster:",
              "    server: " + adminConfig.getMasterUrl(),
              "    certificate-authority-data: " + ca,
              "users:",
              "- name: operator",
              "  user:",
              "    token: " + token,
              "contexts:",
              "- name: operator",
              "  context: {cluster: local, user: operator"
                  + (namespace == null ? "" : ", namespace: " + namespace)
                  + "}",
              "current-context: operator",
              ""));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
