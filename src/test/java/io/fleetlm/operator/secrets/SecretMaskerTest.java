package io.fleetlm.operator.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.kube.ReleaseFixture;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SecretMaskerTest {

  private static final String PASSWORD = "p@ss w0rd/with:odd&chars";
  private static final String KEY_BASE = "kb-0123456789abcdefghijklmnopqrstuvwxyz";

  @Test
  void credentialsInUrlsAreMaskedWhateverTheScheme() {
    String log =
        "** (DBConnection.ConnectionError) ecto://fleet:s3cret@db:5432/fleetlm refused;"
            + " retry postgres://admin:hunter2@10.0.0.5/x";
    assertThat(SecretMasker.urlCredentialsOnly().mask(log))
        .doesNotContain("s3cret")
        .doesNotContain("hunter2")
        .contains("ecto://******:******@db:5432/fleetlm")
        .contains("postgres://******:******@10.0.0.5/x");
  }

  @Test
  void textWithoutSecretsIsUnchanged() {
    String message = "ERROR 42P07 (duplicate_table) relation \"users\" already exists";
    assertThat(SecretMasker.of(List.of(KEY_BASE)).mask(message)).isEqualTo(message);
  }

  @Test
  void everyValueOfEveryReferencedSecretIsMaskedRawAndUrlEncoded() {
    FleetlmRelease release = ReleaseFixture.release("chat", "fleetlm:1");
    release
        .getSpec()
        .setEnvFrom(List.of(new EnvFromSourceBuilder().withNewSecretRef("extra", false).build()));
    release
        .getSpec()
        .setEnv(
            List.of(
                new EnvVarBuilder()
                    .withName("API_TOKEN")
                    .withNewValueFrom()
                    .withNewSecretKeyRef("token", "tokens", false)
                    .endValueFrom()
                    .build(),
                new EnvVar("PLAIN", "not-secret", null)));
    String encodedPassword =
        java.net.URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8).replace("+", "%20");
    Map<String, Secret> secrets =
        Map.of(
            "db",
            secret(
                "db",
                Map.of(
                    "DATABASE_URL",
                    "ecto://fleet:" + encodedPassword + "@db:5432/fleetlm",
                    "SECRET_KEY_BASE",
                    KEY_BASE)),
            "extra",
            secret("extra", Map.of("SMTP_PASSWORD", "smtp-secret-value")),
            "tokens",
            secret("tokens", Map.of("token", "tok-987654321")));
    SecretMasker masker =
        new ReleaseSecrets(release, name -> Optional.ofNullable(secrets.get(name))).masker();

    String crashDump =
        "** (RuntimeError) boot failed: SECRET_KEY_BASE="
            + KEY_BASE
            + " password="
            + PASSWORD
            + " encoded="
            + encodedPassword
            + " smtp=smtp-secret-value token=tok-987654321 plain=not-secret";
    String masked = masker.mask(crashDump);

    assertThat(masked)
        .doesNotContain(KEY_BASE)
        .doesNotContain(PASSWORD)
        .doesNotContain(encodedPassword)
        .doesNotContain("smtp-secret-value")
        .doesNotContain("tok-987654321")
        .contains("plain=not-secret")
        .contains("** (RuntimeError) boot failed");
  }

  @Test
  void unreadableSecretsStillMaskUrlCredentials() {
    FleetlmRelease release = ReleaseFixture.release("chat", "fleetlm:1");
    SecretMasker masker = new ReleaseSecrets(release, name -> Optional.empty()).masker();
    assertThat(masker.mask("ecto://u:pw-123@db/x")).doesNotContain("pw-123");
  }

  @Test
  void veryShortValuesAreNotMaskedEverywhere() {
    assertThat(SecretMasker.of(List.of("1")).mask("exit code 1")).isEqualTo("exit code 1");
  }

  private static Secret secret(String name, Map<String, String> values) {
    SecretBuilder builder = new SecretBuilder().withNewMetadata().withName(name).endMetadata();
    values.forEach(
        (k, v) ->
            builder.addToData(
                k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return builder.build();
  }
}
