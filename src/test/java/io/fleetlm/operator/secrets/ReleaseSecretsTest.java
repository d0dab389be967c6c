package io.fleetlm.operator.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.kube.ReleaseFixture;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReleaseSecretsTest {

  private final FleetlmRelease release = ReleaseFixture.release("chat", "ghcr.io/acme/fleetlm:1");
  private final List<String> freshReads = new ArrayList<>();

  @Test
  void aKeyAddedSinceTheCopyWasReadIsSeenAtOnce() {
    Secret copy = secret("SECRET_KEY_BASE", "base");
    Secret now = secret("SECRET_KEY_BASE", "base", "DATABASE_URL", "ecto://u:p@db:5432/chat");

    ReleaseSecrets secrets =
        new ReleaseSecrets(release, name -> Optional.of(copy), name -> fresh(now, name));

    assertThat(secrets.databaseUrl().identity()).isEqualTo("db:5432/chat");
    assertThat(freshReads).hasSize(1);
  }

  @Test
  void aKeyThatIsStillMissingIsSaidOnceReadAfresh() {
    Secret copy = secret("SECRET_KEY_BASE", "base");

    ReleaseSecrets secrets =
        new ReleaseSecrets(release, name -> Optional.of(copy), name -> fresh(copy, name));

    assertThatThrownBy(secrets::databaseUrl)
        .isInstanceOf(MissingSecretException.class)
        .hasMessageContaining("has no key 'DATABASE_URL'");
    assertThatThrownBy(secrets::databaseUrl).isInstanceOf(MissingSecretException.class);
    assertThat(freshReads).as("one fresh read per reconcile, not per question").hasSize(1);
  }

  @Test
  void aSecretThatIsNotThereIsNotReadTwice() {
    ReleaseSecrets secrets =
        new ReleaseSecrets(release, name -> Optional.empty(), name -> fresh(null, name));

    assertThatThrownBy(secrets::databaseUrl)
        .isInstanceOf(MissingSecretException.class)
        .hasMessageContaining("does not exist");
    assertThat(freshReads).isEmpty();
  }

  private Optional<Secret> fresh(Secret secret, String name) {
    freshReads.add(name);
    return Optional.ofNullable(secret);
  }

  private static Secret secret(String... keysAndValues) {
    SecretBuilder builder = new SecretBuilder().withNewMetadata().withName("db").endMetadata();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      builder.addToStringData(keysAndValues[i], keysAndValues[i + 1]);
    }
    return builder.build();
  }
}
