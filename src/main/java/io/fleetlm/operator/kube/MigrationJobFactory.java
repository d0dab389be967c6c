package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseSpec;
import io.fleetlm.operator.api.MigrationSpec;
import io.fleetlm.operator.verification.ImageMigrationReport;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Builds the migration Job of a release; a pure function of the release and its identity. */
public final class MigrationJobFactory {

  /** FleetLM's migrate, then the image's own view of its migrations for verification. */
  public static final List<String> DEFAULT_ARGS =
      List.of("eval", ImageMigrationReport.MIGRATE_AND_REPORT);

  private MigrationJobFactory() {}

  /** The Job that migrates the database up with the release's image. */
  public static Job build(FleetlmRelease release, String migrationId) {
    MigrationSpec migration =
        Objects.requireNonNullElseGet(release.getSpec().getMigration(), MigrationSpec::new);
    boolean noCommandGiven = isEmpty(migration.getCommand()) && isEmpty(migration.getArgs());
    return build(
        release,
        migrationId,
        release.getSpec().getImage(),
        noCommandGiven ? null : migration.getCommand(),
        noCommandGiven ? DEFAULT_ARGS : migration.getArgs());
  }

  /**
   * The Job that rolls the database back with FleetLM's release helper, run by an image that knows
   * the migrations it reverts.
   *
   * @param inclusiveBound Ecto's to: is inclusive: the lowest version to revert, one above the
   *     version the database should end at
   */
  public static Job buildRollback(
      FleetlmRelease release, String migrationId, String image, String inclusiveBound) {
    return build(release, migrationId, image, null, rollbackArgs(inclusiveBound));
  }

  public static List<String> rollbackArgs(String inclusiveBound) {
    return List.of("eval", "Fleetlm.Release.rollback(Fleetlm.Repo, " + inclusiveBound + ")");
  }

  private static Job build(
      FleetlmRelease release,
      String migrationId,
      String image,
      List<String> command,
      List<String> args) {
    FleetlmReleaseSpec spec = release.getSpec();
    MigrationSpec migration =
        Objects.requireNonNullElseGet(spec.getMigration(), MigrationSpec::new);
    Map<String, String> labels =
        ResourceNames.commonLabels(release, ResourceNames.COMPONENT_MIGRATION);
    labels.put(ResourceNames.LABEL_MIGRATION_ID, migrationId);

    Container container =
        new ContainerBuilder()
            .withName(ResourceNames.MIGRATION_CONTAINER)
            .withImage(image)
            .withImagePullPolicy(spec.getImagePullPolicy())
            .withCommand(command)
            .withArgs(args)
            .withEnv(PodSpecParts.environment(spec))
            .withEnvFrom(spec.getEnvFrom())
            .withResources(spec.getResources())
            .withSecurityContext(PodSpecParts.containerSecurityContext(spec))
            // The log tail becomes the termination message when the migration fails.
            .withTerminationMessagePolicy("FallbackToLogsOnError")
            .build();
    return new JobBuilder()
        .withNewMetadata()
        .withName(ResourceNames.migrationJobName(release, migrationId))
        .withNamespace(release.getMetadata().getNamespace())
        .withLabels(labels)
        .addToAnnotations(ResourceNames.ANNOTATION_IMAGE, image)
        .withOwnerReferences(OwnerReferences.controlledBy(release))
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(Objects.requireNonNullElse(migration.getBackoffLimit(), 0))
        .withActiveDeadlineSeconds(Objects.requireNonNullElse(migration.getTimeoutSeconds(), 600L))
        .withTtlSecondsAfterFinished(
            Objects.requireNonNullElse(migration.getTtlSecondsAfterFinished(), 86400))
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(PodSpecParts.podLabels(spec, labels))
        .withAnnotations(migrationPodAnnotations(release))
        .endMetadata()
        .withSpec(PodSpecParts.podSpec(spec, container).withRestartPolicy("Never").build())
        .endTemplate()
        .endSpec()
        .build();
  }

  /** The release's exact name: pod labels can only hold a shortened one. */
  private static Map<String, String> migrationPodAnnotations(FleetlmRelease release) {
    Map<String, String> annotations = PodSpecParts.podAnnotations(release.getSpec());
    annotations.put(ResourceNames.ANNOTATION_RELEASE, release.getMetadata().getName());
    return annotations;
  }

  private static boolean isEmpty(List<String> values) {
    return values == null || values.isEmpty();
  }
}
