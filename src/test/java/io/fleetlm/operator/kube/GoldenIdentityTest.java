package io.fleetlm.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.api.FleetlmReleaseSpec;
import io.fleetlm.operator.api.MigrationSpec;
import io.fleetlm.operator.api.MigrationTool;
import io.fleetlm.operator.api.SchemaAheadPolicy;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Migration identities pinned to the values every released operator computed. The identity names
 * the migration Job and is stored in every release's status: if it changed, an operator upgrade
 * would start a migration Job for every release in the cluster. A failure here is not a test to
 * update; it is a change to undo, or one that needs a migration of stored identities.
 */
class GoldenIdentityTest {

  @Test
  void theDefaultsOfAnEctoRelease() {
    assertThat(identity(m -> {})).isEqualTo("9fddef85d7");
  }

  @Test
  void anExpectedVersion() {
    assertThat(identity(m -> m.setExpectedVersion("20251019063736"))).isEqualTo("9d0fc5f4fc");
  }

  @Test
  void requiredVersionsAndARunId() {
    assertThat(
            identity(
                m -> {
                  m.setRequiredVersions(List.of("20251019063736", "20251001063431"));
                  m.setRunId("first");
                }))
        .isEqualTo("c06753c8a6");
  }

  @Test
  void aFlywayCommandWithItsOwnHistoryTable() {
    assertThat(
            identity(
                m -> {
                  m.setTool(MigrationTool.FLYWAY);
                  m.setCommand(List.of("flyway", "migrate"));
                  m.setArgs(List.of("-url=jdbc:postgresql://db/app"));
                  m.setHistoryTable("flyway_schema_history");
                }))
        .isEqualTo("5cbbca7045");
  }

  @Test
  void aNewerSchemaAllowed() {
    assertThat(identity(m -> m.setSchemaAhead(SchemaAheadPolicy.Allow))).isEqualTo("8f05e69ba2");
  }

  @Test
  void aRollback() {
    assertThat(
            identity(
                m -> {
                  m.setRollbackTo("20251001063431");
                  m.setRollbackImage("ghcr.io/cpluss/fleetlm:main-2");
                }))
        .isEqualTo("daf64f15b5");
  }

  @Test
  void settingsThatDoNotDecideTheMigrationAreNotPartOfIt() {
    assertThat(
            identity(
                m -> {
                  m.setTimeoutSeconds(600L);
                  m.setBackoffLimit(0);
                  m.setTtlSecondsAfterFinished(60);
                  m.setSchemaAhead(SchemaAheadPolicy.Block);
                }))
        .isEqualTo(identity(m -> {}));
  }

  private static String identity(Consumer<MigrationSpec> settings) {
    FleetlmReleaseSpec spec = new FleetlmReleaseSpec();
    spec.setImage("ghcr.io/cpluss/fleetlm:main-1");
    spec.setReplicas(3);
    MigrationSpec migration = new MigrationSpec();
    settings.accept(migration);
    spec.setMigration(migration);
    return MigrationIdentity.of(spec);
  }
}
