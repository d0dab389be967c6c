package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.SecretKeyReference;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;

/** Reads the release's database Secrets. Values never leave this class except to the caller. */
final class DatabaseSecrets {

  private final KubernetesClient client;

  DatabaseSecrets(KubernetesClient client) {
    this.client = client;
  }

  /** Throws {@link MissingSecretException} with a message that names the Secret, not its data. */
  String databaseUrl(FleetlmRelease release) {
    return value(release, release.getSpec().getDatabase().getUrlSecretRef(), "urlSecretRef");
  }

  void checkSecretKeyBase(FleetlmRelease release) {
    value(
        release,
        release.getSpec().getDatabase().getSecretKeyBaseSecretRef(),
        "secretKeyBaseSecretRef");
  }

  private String value(FleetlmRelease release, SecretKeyReference ref, String field) {
    String namespace = release.getMetadata().getNamespace();
    Secret secret = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
    if (secret == null) {
      throw new MissingSecretException(
          "Secret "
              + ref.getName()
              + " (spec.database."
              + field
              + ") does not exist in namespace "
              + namespace
              + "; create it and the release continues");
    }
    Map<String, String> data = Objects.requireNonNullElse(secret.getData(), Map.of());
    Map<String, String> stringData = Objects.requireNonNullElse(secret.getStringData(), Map.of());
    if (data.containsKey(ref.getKey())) {
      return new String(Base64.getDecoder().decode(data.get(ref.getKey())), StandardCharsets.UTF_8);
    }
    if (stringData.containsKey(ref.getKey())) {
      return stringData.get(ref.getKey());
    }
    throw new MissingSecretException(
        "Secret "
            + ref.getName()
            + " has no key '"
            + ref.getKey()
            + "' (spec.database."
            + field
            + ".key); add it and the release continues");
  }

  static final class MissingSecretException extends RuntimeException {
    MissingSecretException(String message) {
      super(message);
    }
  }
}
