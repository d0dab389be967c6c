package io.fleetlm.operator.rollout;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fleetlm.operator.kube.ClusterMemberFactory;
import io.fleetlm.operator.kube.ResourceNames;
import io.fleetlm.operator.kube.SchemaRepair;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The app Deployment as observed, judged against what the spec wants: which image and release its
 * pods run, how far its rollout got, and whether every pod skips migrations on boot.
 *
 * @param wanted replicas the spec asks for
 * @param replicas replicas the Deployment itself asks for (someone may have scaled it)
 * @param observed the Deployment controller has seen the Deployment's current generation
 * @param migrateOnBootOff the pod template sets MIGRATE_ON_BOOT=false exactly once
 */
public record RolloutState(
    boolean exists,
    String image,
    String migrationId,
    int wanted,
    int replicas,
    int updated,
    int ready,
    int available,
    int total,
    boolean observed,
    boolean migrateOnBootOff) {

  public static final String MIGRATE_ON_BOOT = "MIGRATE_ON_BOOT";

  public static RolloutState of(Optional<Deployment> deployment, int wanted) {
    if (deployment.isEmpty()) {
      return new RolloutState(false, null, null, wanted, 0, 0, 0, 0, 0, true, false);
    }
    Deployment d = deployment.get();
    DeploymentStatus status = Objects.requireNonNullElseGet(d.getStatus(), DeploymentStatus::new);
    Map<String, String> podLabels =
        Objects.requireNonNullElse(d.getSpec().getTemplate().getMetadata().getLabels(), Map.of());
    long generation = Objects.requireNonNullElse(d.getMetadata().getGeneration(), 0L);
    boolean observed = Objects.requireNonNullElse(status.getObservedGeneration(), 0L) >= generation;
    return new RolloutState(
        true,
        imageOf(d),
        podLabels.get(ResourceNames.LABEL_MIGRATION_ID),
        wanted,
        Objects.requireNonNullElse(d.getSpec().getReplicas(), 1),
        orZero(status.getUpdatedReplicas()),
        orZero(status.getReadyReplicas()),
        orZero(status.getAvailableReplicas()),
        orZero(status.getReplicas()),
        observed,
        migrateOnBootOff(d));
  }

  /**
   * A clustered release's FleetLM nodes that the operator starts itself, as a rollout: updated are
   * the nodes of the current release that FleetLM says have joined their groups, available those
   * that have joined and are Ready, and the image and release those of the newest node. Their pods'
   * environment cannot be edited, and the operator writes MIGRATE_ON_BOOT=false into every one.
   *
   * @param pods the nodes' pods
   * @param members the same, as {@link MemberRoll} judged them
   */
  public static RolloutState ofNodes(List<Pod> pods, List<MemberRoll.Member> members, int wanted) {
    Optional<Pod> newest =
        pods.stream()
            .max(
                Comparator.comparingInt(
                    p -> ClusterMemberFactory.serialOf(p).orElse(Integer.MIN_VALUE)));
    Map<String, Pod> byName =
        pods.stream().collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p));
    int ready = (int) pods.stream().filter(RolloutState::podReady).count();
    int available =
        (int) members.stream().filter(m -> m.joined() && podReady(byName.get(m.pod()))).count();
    int updated = (int) members.stream().filter(m -> m.joined() && m.current()).count();
    return new RolloutState(
        newest.isPresent(),
        newest.map(p -> appImage(p.getSpec().getContainers())).orElse(null),
        newest
            .map(p -> p.getMetadata().getLabels().get(ResourceNames.LABEL_MIGRATION_ID))
            .orElse(null),
        wanted,
        wanted,
        updated,
        ready,
        available,
        pods.size(),
        true,
        true);
  }

  private static boolean podReady(Pod pod) {
    return pod != null
        && pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** Image of the app container, or of the first container if someone renamed it. */
  public static String imageOf(Deployment deployment) {
    return appImage(deployment.getSpec().getTemplate().getSpec().getContainers());
  }

  private static String appImage(List<Container> containers) {
    return containers.stream()
        .filter(c -> ResourceNames.APP_CONTAINER.equals(c.getName()))
        .findFirst()
        .or(() -> containers.stream().findFirst())
        .map(Container::getImage)
        .orElse(null);
  }

  /**
   * Whether the Deployment's pods carry the identity the target gives them: a schema repair of it
   * ({@link SchemaRepair}) is the same pods.
   */
  public boolean labelledFor(String targetMigrationId) {
    return SchemaRepair.podIdentity(targetMigrationId).equals(migrationId);
  }

  /** Whether the newest pods run the target: its image, and its identity ({@link #labelledFor}). */
  public boolean runs(String targetMigrationId, String targetImage) {
    return labelledFor(targetMigrationId) && targetImage.equals(image);
  }

  /**
   * True only when what Ready claims can be seen on the Deployment: it runs the target release's
   * image at the replicas the spec asks for, every pod is on the current template and available, no
   * older pod is left, and no pod migrates on boot.
   */
  public boolean completeFor(String targetMigrationId, String targetImage) {
    return exists
        && runs(targetMigrationId, targetImage)
        && migrateOnBootOff
        && observed
        && replicas == wanted
        && updated == wanted
        && available == wanted
        && total == wanted;
  }

  public String describe() {
    return updated
        + "/"
        + wanted
        + " replicas updated, "
        + available
        + " available, "
        + total
        + " in total";
  }

  private static boolean migrateOnBootOff(Deployment deployment) {
    List<Container> containers = deployment.getSpec().getTemplate().getSpec().getContainers();
    return !containers.isEmpty()
        && containers.stream()
            .allMatch(
                c -> {
                  List<EnvVar> settings =
                      Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of()).stream()
                          .filter(e -> MIGRATE_ON_BOOT.equals(e.getName()))
                          .toList();
                  return settings.size() == 1
                      && "false".equals(settings.get(0).getValue())
                      && settings.get(0).getValueFrom() == null;
                });
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }
}
