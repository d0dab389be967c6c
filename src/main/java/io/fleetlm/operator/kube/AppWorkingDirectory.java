package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fleetlm.operator.api.FleetlmReleaseSpec;
import io.fleetlm.operator.api.WorkingDirectorySpec;
import java.util.Objects;

/**
 * The app container's working directory, a volume of the pod: FleetLM's Raft log lands in {@code
 * <working directory>/<node name>/}, so it must be writable by any pod user (an emptyDir is, a root
 * filesystem mounted read-only is not) and survive a container restart (the container's own
 * filesystem does not).
 */
final class AppWorkingDirectory {

  static final String VOLUME = "workdir";

  private AppWorkingDirectory() {}

  static String path(FleetlmReleaseSpec spec) {
    return Objects.requireNonNullElse(settings(spec).getPath(), WorkingDirectorySpec.DEFAULT_PATH);
  }

  static VolumeMount mount(FleetlmReleaseSpec spec) {
    return new VolumeMountBuilder().withName(VOLUME).withMountPath(path(spec)).build();
  }

  static Volume volume(FleetlmReleaseSpec spec) {
    WorkingDirectorySpec settings = settings(spec);
    if (settings.getClaimName() != null) {
      return new VolumeBuilder()
          .withName(VOLUME)
          .withNewPersistentVolumeClaim(settings.getClaimName(), false)
          .build();
    }
    return new VolumeBuilder()
        .withName(VOLUME)
        .withNewEmptyDir()
        .withSizeLimit(
            Objects.requireNonNullElse(
                settings.getSizeLimit(), new Quantity(WorkingDirectorySpec.DEFAULT_SIZE_LIMIT)))
        .endEmptyDir()
        .build();
  }

  private static WorkingDirectorySpec settings(FleetlmReleaseSpec spec) {
    return Objects.requireNonNullElseGet(spec.getWorkingDirectory(), WorkingDirectorySpec::new);
  }
}
