package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.ReleaseOutcome;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.kube.MigrationJobState;
import io.fleetlm.operator.kube.MigrationPods;
import io.fleetlm.operator.rollout.MigrationProgress;
import io.fleetlm.operator.rollout.MigrationProgress.Stage;
import io.fleetlm.operator.rollout.ReleaseHistory;
import io.fleetlm.operator.verification.ImageContract;
import java.util.List;
import java.util.Optional;

/**
 * Reads a running or failed migration Job and its pods: whether it is stuck, and why it failed
 * (deadline, memory, an image without the release helper, a deleted pod, the container's words).
 */
final class JobDiagnosis {

  private JobDiagnosis() {}

  static StepResult awaitJob(MigrationTarget t, Job job) {
    ReleaseHistory known =
        t.remembered(job).mark(t.id, ReleaseOutcome.Migrating, null, null, null, t.now);
    Optional<MigrationPods.Stall> stall = MigrationPods.stall(t.observation.podsOf(job));
    if (stall.isPresent()) {
      String said = t.secrets.masker().mask(stall.get().message());
      String message =
          "migration Job "
              + t.jobName
              + " cannot make progress: "
              + said
              + ". "
              + fixFor(stall.get());
      return StepResult.of(
          new MigrationProgress(Stage.STALLED, stall.get().reason(), message, null, said),
          known,
          t.verifiedId);
    }
    boolean rollingBack = known.find(t.id).map(ReleaseRecord::rollbackTo).isPresent();
    return StepResult.of(
        MigrationProgress.of(
            Stage.MIGRATING,
            rollingBack ? Reason.RollbackRunning : Reason.MigrationRunning,
            t.running(rollingBack ? "rollback" : "migration")),
        known,
        t.verifiedId);
  }

  private static String fixFor(MigrationPods.Stall stall) {
    return switch (stall.reason()) {
      case ImagePullFailed ->
          "Fix spec.image (or imagePullSecrets, imagePullPolicy); a new image starts its"
              + " migration at once";
      case ContainerConfigError ->
          "Create the Secret or ConfigMap it names, or fix spec.env/envFrom; the kubelet"
              + " retries by itself";
      case Unschedulable ->
          "Fix spec.nodeSelector, tolerations or resources, or add capacity; the migration"
              + " starts once the pod is scheduled";
      default -> "Raise spec.resources.limits.memory, then change spec.migration.runId";
    };
  }

  static StepResult jobFailed(MigrationTarget t, Job job, String jobReason) {
    // Asked of the API server at observation when the pod informer had none.
    List<Pod> pods = t.observation.podsOf(job);
    boolean oomKilled =
        MigrationPods.stall(pods).filter(s -> s.reason() == Reason.OOMKilled).isPresent();
    String podText =
        JobFailureMessages.describe(
            job, jobReason, MigrationJobState.of(job).message(), pods, t.secrets.masker()::mask);
    ReleaseHistory known = t.remembered(job);
    boolean rollingBack = known.find(t.id).map(ReleaseRecord::rollbackTo).isPresent();
    Optional<String> unsupported =
        ImageContract.unsupported(podText, MigrationTarget.jobImage(job), rollingBack);
    Reason reason =
        "DeadlineExceeded".equals(jobReason)
            ? Reason.DeadlineExceeded
            : oomKilled
                ? Reason.OOMKilled
                : unsupported.isPresent()
                    ? Reason.UnsupportedImage
                    : pods.isEmpty() ? Reason.MigrationPodDeleted : Reason.MigrationJobFailed;
    String explained =
        oomKilled
            ? podText + ". The migration needs more memory: raise spec.resources.limits.memory"
            : unsupported.map(u -> u + ". " + podText).orElse(podText);
    String detail = t.secrets.masker().mask(explained);
    return StepResult.of(
        t.failure(Stage.MIGRATION_FAILED, reason, detail),
        known
            .mark(t.id, ReleaseOutcome.Failed, null, reason, detail, t.now)
            .withOutput(t.id, t.lastWords(pods)),
        t.verifiedId);
  }
}
