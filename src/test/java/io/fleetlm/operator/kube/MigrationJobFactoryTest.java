package io.fleetlm.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.verification.ImageMigrationReport;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationJobFactoryTest {

  private final FleetlmRelease release = ReleaseFixture.release("chat", "fleetlm:1");

  @Test
  void runsTheReleaseMigrationWithBothSecretsAndNoBootMigration() {
    release.getSpec().setEnv(List.of(new EnvVar("MIGRATE_ON_BOOT", "true", null)));
    Job job = MigrationJobFactory.build(release, "abc123");
    Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);

    assertThat(container.getImage()).isEqualTo("fleetlm:1");
    assertThat(container.getCommand()).isNullOrEmpty();
    assertThat(container.getArgs())
        .containsExactly("eval", ImageMigrationReport.MIGRATE_AND_REPORT)
        .last()
        .asString()
        .startsWith("Fleetlm.Release.migrate()\n");
    assertThat(container.getEnv())
        .filteredOn(e -> e.getName().equals("MIGRATE_ON_BOOT"))
        .singleElement()
        .extracting(EnvVar::getValue)
        .isEqualTo("false");
    assertThat(container.getEnv())
        .extracting(EnvVar::getName)
        .contains("DATABASE_URL", "SECRET_KEY_BASE");
    assertThat(container.getEnv())
        .filteredOn(e -> e.getName().equals("DATABASE_URL"))
        .singleElement()
        .satisfies(e -> assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("db"));
    assertThat(container.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
  }

  @Test
  void isOwnedBoundedAndNamedAfterItsIdentity() {
    Job job = MigrationJobFactory.build(release, "abc123");
    assertThat(job.getMetadata().getName()).isEqualTo("chat-migrate-abc123");
    assertThat(job.getMetadata().getLabels())
        .containsEntry(ResourceNames.LABEL_MIGRATION_ID, "abc123")
        .containsEntry(ResourceNames.LABEL_MANAGED_BY, "fleetlm-operator");
    assertThat(job.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getController()).isTrue());
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(600L);
    assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
  }

  @Test
  void longReleaseNamesStillGiveValidJobNames() {
    FleetlmRelease longName = ReleaseFixture.release("a".repeat(70) + "-x", "fleetlm:1");
    String name = MigrationJobFactory.build(longName, "0123456789").getMetadata().getName();
    assertThat(name).hasSizeLessThanOrEqualTo(63).endsWith("-migrate-0123456789");
    assertThat(MigrationJobFactory.build(longName, "0123456789").getMetadata().getLabels())
        .allSatisfy((k, v) -> assertThat(v).hasSizeLessThanOrEqualTo(63));
  }

  @Test
  void userCommandReplacesTheDefault() {
    release.getSpec().getMigration().setCommand(List.of("/app/bin/migrate"));
    Container container =
        MigrationJobFactory.build(release, "x")
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    assertThat(container.getCommand()).containsExactly("/app/bin/migrate");
    assertThat(container.getArgs()).isNullOrEmpty();
  }
}
