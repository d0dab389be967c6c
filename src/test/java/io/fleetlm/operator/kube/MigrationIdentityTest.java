package io.fleetlm.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fleetlm.operator.api.FleetlmRelease;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationIdentityTest {

  private final FleetlmRelease release = ReleaseFixture.release("chat", "fleetlm:1");
  private final String id = MigrationIdentity.of(release.getSpec());

  @Test
  void isShortStableHex() {
    assertThat(id).matches("[0-9a-f]{10}");
    assertThat(MigrationIdentity.of(ReleaseFixture.release("other", "fleetlm:1").getSpec()))
        .isEqualTo(id);
  }

  @Test
  void settingsThatDoNotChangeTheMigrationKeepTheIdentity() {
    release.getSpec().setReplicas(7);
    release.getSpec().setEnv(List.of(new EnvVar("POOL_SIZE", "10", null)));
    assertThat(MigrationIdentity.of(release.getSpec())).isEqualTo(id);
  }

  @Test
  void imageVersionsCommandAndRunIdChangeIt() {
    release.getSpec().setImage("fleetlm:2");
    String byImage = MigrationIdentity.of(release.getSpec());
    release.getSpec().getMigration().setRunId("again");
    String byRunId = MigrationIdentity.of(release.getSpec());
    release.getSpec().getMigration().setArgs(List.of("eval", "Other.migrate"));
    String byArgs = MigrationIdentity.of(release.getSpec());
    assertThat(List.of(id, byImage, byRunId, byArgs)).doesNotHaveDuplicates();
  }

  @Test
  void allowingANewerSchemaIsANewReleaseToVerifyButTheDefaultChangesNothing() {
    release
        .getSpec()
        .getMigration()
        .setSchemaAhead(io.fleetlm.operator.api.SchemaAheadPolicy.Block);
    assertThat(MigrationIdentity.of(release.getSpec()))
        .as("identities from before the setting existed stay the same")
        .isEqualTo(id);
    release
        .getSpec()
        .getMigration()
        .setSchemaAhead(io.fleetlm.operator.api.SchemaAheadPolicy.Allow);
    assertThat(MigrationIdentity.of(release.getSpec())).isNotEqualTo(id);
  }

  @Test
  void orderOfRequiredVersionsDoesNotMatter() {
    release.getSpec().getMigration().setRequiredVersions(List.of("1", "2"));
    String a = MigrationIdentity.of(release.getSpec());
    release.getSpec().getMigration().setRequiredVersions(List.of("2", "1"));
    assertThat(MigrationIdentity.of(release.getSpec())).isEqualTo(a);
  }
}
