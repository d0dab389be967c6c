package io.fleetlm.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.ProbeSpec;
import io.fleetlm.operator.api.WorkingDirectorySpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class AppDeploymentFactoryTest {

  private final FleetlmRelease release = ReleaseFixture.release("chat", "fleetlm:2");

  @Test
  void runsTheVerifiedImageNotWhateverTheSpecSays() {
    Deployment deployment = AppDeploymentFactory.build(release, "fleetlm:1", "id1");
    assertThat(container(deployment).getImage()).isEqualTo("fleetlm:1");
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry(ResourceNames.LABEL_MIGRATION_ID, "id1");
  }

  @Test
  void everyPodGetsMigrateOnBootFalseEvenIfTheUserAskedOtherwise() {
    release.getSpec().setEnv(List.of(new EnvVar("MIGRATE_ON_BOOT", "true", null)));
    assertThat(container(AppDeploymentFactory.build(release, "fleetlm:2", "id")).getEnv())
        .filteredOn(e -> e.getName().equals("MIGRATE_ON_BOOT"))
        .extracting(EnvVar::getValue)
        .containsExactly("false");
  }

  @Test
  void probesTcpByDefaultAndHttpWhenAPathIsGiven() {
    Container tcp = container(AppDeploymentFactory.build(release, "fleetlm:2", "id"));
    assertThat(tcp.getReadinessProbe().getTcpSocket().getPort().getIntVal()).isEqualTo(4000);
    assertThat(tcp.getReadinessProbe().getHttpGet()).isNull();

    ProbeSpec probes = new ProbeSpec();
    probes.setHttpPath("/health/ready");
    release.getSpec().setProbes(probes);
    Container http = container(AppDeploymentFactory.build(release, "fleetlm:2", "id"));
    assertThat(http.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
  }

  @Test
  void theAppWorksInAVolumeOfItsOwnAnEmptyDirOfOneGibibyteByDefault() {
    Deployment deployment = AppDeploymentFactory.build(release, "fleetlm:2", "id");
    Container app = container(deployment);
    assertThat(app.getWorkingDir()).isEqualTo("/var/lib/fleetlm");
    assertThat(app.getVolumeMounts())
        .singleElement()
        .satisfies(m -> assertThat(m.getMountPath()).isEqualTo("/var/lib/fleetlm"));
    Volume volume = deployment.getSpec().getTemplate().getSpec().getVolumes().get(0);
    assertThat(volume.getName()).isEqualTo(app.getVolumeMounts().get(0).getName());
    assertThat(volume.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("1Gi"));
  }

  @Test
  void aClaimReplacesTheEmptyDirAndAPathMovesTheWorkingDirectory() {
    WorkingDirectorySpec workdir = new WorkingDirectorySpec();
    workdir.setPath("/data");
    workdir.setClaimName("fleetlm-raft");
    release.getSpec().setWorkingDirectory(workdir);
    Deployment deployment = AppDeploymentFactory.build(release, "fleetlm:2", "id");
    assertThat(container(deployment).getWorkingDir()).isEqualTo("/data");
    Volume volume = deployment.getSpec().getTemplate().getSpec().getVolumes().get(0);
    assertThat(volume.getEmptyDir()).isNull();
    assertThat(volume.getPersistentVolumeClaim().getClaimName()).isEqualTo("fleetlm-raft");
  }

  @Test
  void thePublicHostBecomesPhxHost() {
    assertThat(container(AppDeploymentFactory.build(release, "fleetlm:2", "id")).getEnv())
        .contains(new EnvVar("PHX_HOST", "chat.example.com", null));
    release.getSpec().setPublicHost(null);
    assertThat(container(AppDeploymentFactory.build(release, "fleetlm:2", "id")).getEnv())
        .noneMatch(e -> e.getName().equals("PHX_HOST"));
  }

  @Test
  void desiredHashChangesWithTheSpecOnly() {
    String first = hash(AppDeploymentFactory.build(release, "fleetlm:2", "id"));
    assertThat(hash(AppDeploymentFactory.build(release, "fleetlm:2", "id"))).isEqualTo(first);
    release.getSpec().setReplicas(5);
    assertThat(hash(AppDeploymentFactory.build(release, "fleetlm:2", "id"))).isNotEqualTo(first);
  }

  @Test
  void selectorIsStableAcrossReleases() {
    Deployment one = AppDeploymentFactory.build(release, "fleetlm:1", "a");
    Deployment two = AppDeploymentFactory.build(release, "fleetlm:2", "b");
    assertThat(one.getSpec().getSelector()).isEqualTo(two.getSpec().getSelector());
  }

  private static String hash(Deployment deployment) {
    return deployment.getMetadata().getAnnotations().get(ResourceNames.ANNOTATION_DESIRED_HASH);
  }

  private static Container container(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
  }
}
