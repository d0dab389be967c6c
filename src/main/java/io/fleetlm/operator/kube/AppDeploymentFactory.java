package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseSpec;
import io.fleetlm.operator.api.ProbeSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds the app Deployment. The image is a parameter, not spec.image: the Deployment only ever
 * runs an image whose migrations were verified.
 */
public final class AppDeploymentFactory {

  /** Phoenix's endpoint host: browsers' WebSocket Origin must name it. */
  public static final String PUBLIC_HOST = "PHX_HOST";

  private AppDeploymentFactory() {}

  public static Deployment build(
      FleetlmRelease release, String verifiedImage, String verifiedMigrationId) {
    return build(
        release,
        verifiedImage,
        verifiedMigrationId,
        Objects.requireNonNullElse(release.getSpec().getReplicas(), 1));
  }

  /**
   * @param replicas what the Deployment asks for now: the spec's, or fewer while a FleetLM cluster
   *     grows one node at a time ({@link io.fleetlm.operator.rollout.ClusterGrowth})
   */
  public static Deployment build(
      FleetlmRelease release, String verifiedImage, String verifiedMigrationId, int replicas) {
    Map<String, String> labels = ResourceNames.commonLabels(release, ResourceNames.COMPONENT_APP);
    Deployment deployment =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName(ResourceNames.deploymentName(release))
            .withNamespace(release.getMetadata().getNamespace())
            .withLabels(labels)
            .withOwnerReferences(OwnerReferences.controlledBy(release))
            .endMetadata()
            .withNewSpec()
            .withReplicas(replicas)
            // One pod at a time, a new one Ready before an old one goes: Raft keeps its quorum.
            .withNewStrategy()
            .withType("RollingUpdate")
            .withNewRollingUpdate()
            .withMaxUnavailable(new IntOrString(0))
            .withMaxSurge(new IntOrString(1))
            .endRollingUpdate()
            .endStrategy()
            .withNewSelector()
            .withMatchLabels(ResourceNames.selectorLabels(release, ResourceNames.COMPONENT_APP))
            .endSelector()
            .withTemplate(
                podTemplate(
                    release,
                    verifiedImage,
                    verifiedMigrationId,
                    ClusterWiring.environment(release)))
            .endSpec()
            .build();
    // Lets the reconciler skip identical writes without diffing server-side defaults.
    deployment
        .getMetadata()
        .setAnnotations(
            Map.of(
                ResourceNames.ANNOTATION_DESIRED_HASH,
                ResourceNames.shortHash(Serialization.asJson(deployment.getSpec()), 16)));
    return deployment;
  }

  /**
   * The app pod as the Deployment's template and the operator's own cluster nodes ({@link
   * ClusterMemberFactory}) have it.
   *
   * @param clusterEnvironment how the pod finds its FleetLM peers ({@link ClusterWiring})
   */
  static PodTemplateSpec podTemplate(
      FleetlmRelease release,
      String verifiedImage,
      String verifiedMigrationId,
      List<EnvVar> clusterEnvironment) {
    FleetlmReleaseSpec spec = release.getSpec();
    Map<String, String> labels = ResourceNames.commonLabels(release, ResourceNames.COMPONENT_APP);
    Map<String, String> podLabels = PodSpecParts.podLabels(spec, labels);
    podLabels.put(ResourceNames.LABEL_MIGRATION_ID, SchemaRepair.podIdentity(verifiedMigrationId));
    int port = PodSpecParts.port(spec);
    Container container =
        new ContainerBuilder()
            .withName(ResourceNames.APP_CONTAINER)
            .withImage(verifiedImage)
            .withImagePullPolicy(spec.getImagePullPolicy())
            .addNewPort()
            .withName("http")
            .withContainerPort(port)
            .withProtocol("TCP")
            .endPort()
            .withEnv(appEnvironment(release, clusterEnvironment))
            .withEnvFrom(spec.getEnvFrom())
            .withResources(spec.getResources())
            .withReadinessProbe(probe(spec.getProbes(), port))
            .withLivenessProbe(probe(spec.getProbes(), port))
            .withSecurityContext(PodSpecParts.containerSecurityContext(spec))
            .withWorkingDir(AppWorkingDirectory.path(spec))
            .withVolumeMounts(AppWorkingDirectory.mount(spec))
            .build();
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(podLabels)
        .withAnnotations(PodSpecParts.podAnnotations(spec))
        .endMetadata()
        .withSpec(
            PodSpecParts.podSpec(spec, container)
                .withVolumes(AppWorkingDirectory.volume(spec))
                .build())
        .build();
  }

  /**
   * The shared variables, the public host, then the cluster's: MIGRATE_ON_BOOT stays the
   * operator's.
   */
  private static List<EnvVar> appEnvironment(
      FleetlmRelease release, List<EnvVar> clusterEnvironment) {
    List<EnvVar> env = new ArrayList<>(PodSpecParts.environment(release.getSpec()));
    String publicHost = release.getSpec().getPublicHost();
    if (publicHost != null) {
      env.add(new EnvVarBuilder().withName(PUBLIC_HOST).withValue(publicHost).build());
    }
    env.addAll(clusterEnvironment);
    return env;
  }

  private static Probe probe(ProbeSpec probes, int port) {
    ProbeSpec settings = Objects.requireNonNullElseGet(probes, ProbeSpec::new);
    ProbeBuilder builder =
        new ProbeBuilder()
            .withInitialDelaySeconds(
                Objects.requireNonNullElse(settings.getInitialDelaySeconds(), 5))
            .withPeriodSeconds(Objects.requireNonNullElse(settings.getPeriodSeconds(), 10))
            .withFailureThreshold(Objects.requireNonNullElse(settings.getFailureThreshold(), 3));
    if (settings.getHttpPath() == null || settings.getHttpPath().isEmpty()) {
      return builder.withNewTcpSocket().withPort(new IntOrString(port)).endTcpSocket().build();
    }
    return builder
        .withNewHttpGet()
        .withPath(settings.getHttpPath())
        .withPort(new IntOrString(port))
        .endHttpGet()
        .build();
  }
}
