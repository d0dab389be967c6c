package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.kube.AppDeploymentFactory;
import io.fleetlm.operator.kube.ClusterWiring;
import io.fleetlm.operator.kube.DesiredStateDiff;
import io.fleetlm.operator.kube.KubernetesPort;
import io.fleetlm.operator.kube.ResourceNames;
import io.fleetlm.operator.rollout.ClusterGrowth;
import io.fleetlm.operator.rollout.RolloutState;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Keeps the app Deployment on the verified release. While the target release is verified, every
 * field the operator sets is put back after an edit. While a newer release is still migrating, the
 * Deployment is left as the last verified release made it, unless an edit broke what must always
 * hold (the verified image, MIGRATE_ON_BOOT=false, the replicas, the Deployment's existence).
 */
final class DeploymentSync {

  private static final Logger LOG = Logger.getLogger(DeploymentSync.class);

  private final KubernetesPort kube;

  DeploymentSync(KubernetesPort kube) {
    this.kube = kube;
  }

  /**
   * @param corrected what an edit by someone else had changed and the operator put back; empty when
   *     nothing was put back
   */
  record Result(Optional<Deployment> deployment, List<String> corrected) {}

  Result sync(Observation observation, String verifiedId, String verifiedImage) {
    Optional<Deployment> live = observation.deployment();
    if (verifiedId == null || verifiedImage == null || observation.paused()) {
      return new Result(live, List.of());
    }
    FleetlmRelease release = observation.release();
    int wanted = Objects.requireNonNullElse(release.getSpec().getReplicas(), 1);
    int replicas = stepReplicas(release, live);
    Deployment desired = AppDeploymentFactory.build(release, verifiedImage, verifiedId, replicas);
    if (live.isEmpty()) {
      boolean existedBefore = observation.previous().getCurrentImage() != null;
      LOG.infof(
          "%s: applying Deployment with verified image %s", observation.name(), verifiedImage);
      Deployment created = kube.applyDeployment(desired);
      return new Result(
          Optional.of(created),
          existedBefore ? List.of("the Deployment was deleted; it was created again") : List.of());
    }
    List<String> differences = DesiredStateDiff.between(desired, live.get());
    boolean targetVerified = verifiedId.equals(observation.targetId());
    if (differences.isEmpty() || (!targetVerified && !unsafe(live.get(), release, verifiedImage))) {
      return new Result(live, List.of());
    }
    Deployment applied = kube.applyDeployment(desired);
    // What the operator last wrote, at the spec's replicas: a Deployment written that way but
    // now different was edited by someone else. One scaled down by hand grows back one pod at a
    // time, so what is put back is said against the spec, not against this step.
    Deployment intended =
        replicas == wanted
            ? desired
            : AppDeploymentFactory.build(release, verifiedImage, verifiedId, wanted);
    boolean edited =
        Objects.equals(desiredHash(intended), desiredHash(live.get()))
            && generation(applied) > generation(live.get());
    if (edited) {
      List<String> putBack = DesiredStateDiff.between(intended, live.get());
      LOG.infof("%s: put the Deployment back: %s", observation.name(), putBack);
      return new Result(Optional.of(applied), putBack);
    }
    LOG.infof(
        "%s: applied Deployment with verified image %s, %d of %d replicas",
        observation.name(), verifiedImage, replicas, wanted);
    return new Result(Optional.of(applied), List.of());
  }

  /**
   * Whether applying the verified release would change the Deployment's pods or their number: its
   * pod template, strategy or replicas differ from what the operator last wrote. The Deployment's
   * current step of one-at-a-time growth does not count as a change.
   */
  static boolean wouldRoll(
      Deployment live, FleetlmRelease release, String verifiedId, String verifiedImage) {
    int replicas = stepReplicas(release, Optional.of(live));
    Deployment desired = AppDeploymentFactory.build(release, verifiedImage, verifiedId, replicas);
    return !Objects.equals(desiredHash(desired), desiredHash(live));
  }

  /** How many pods the Deployment asks for now: a cluster grows one pod at a time. */
  private static int stepReplicas(FleetlmRelease release, Optional<Deployment> live) {
    int wanted = Objects.requireNonNullElse(release.getSpec().getReplicas(), 1);
    return ClusterGrowth.replicas(
        ClusterWiring.enabled(release.getSpec()), wanted, RolloutState.of(live, wanted));
  }

  /** What must hold even while a newer release migrates. */
  private static boolean unsafe(Deployment live, FleetlmRelease release, String verifiedImage) {
    RolloutState state =
        RolloutState.of(
            Optional.of(live), Objects.requireNonNullElse(release.getSpec().getReplicas(), 1));
    return !verifiedImage.equals(state.image())
        || !state.migrateOnBootOff()
        || state.replicas() != state.wanted();
  }

  private static String desiredHash(Deployment deployment) {
    var annotations = deployment.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(ResourceNames.ANNOTATION_DESIRED_HASH);
  }

  private static long generation(Deployment deployment) {
    return Objects.requireNonNullElse(deployment.getMetadata().getGeneration(), 0L);
  }
}
