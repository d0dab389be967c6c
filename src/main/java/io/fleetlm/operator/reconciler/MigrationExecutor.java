package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.database.SchemaHistoryReader;
import io.fleetlm.operator.kube.KubernetesPort;
import io.fleetlm.operator.rollout.MigrationProgress;
import io.fleetlm.operator.rollout.MigrationProgress.Stage;
import io.fleetlm.operator.rollout.MigrationStep;
import io.fleetlm.operator.rollout.ReleaseHistory;
import io.fleetlm.operator.secrets.ReleaseSecrets;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Carries out the migration step the planner chose: starts it ({@link MigrationStart}), reads its
 * Job ({@link JobDiagnosis}), or verifies the database ({@link MigrationVerification}). It returns
 * what happened; it writes no status and sends no Event.
 */
final class MigrationExecutor {

  private static final Logger LOG = Logger.getLogger(MigrationExecutor.class);

  private final MigrationStart start;
  private final MigrationVerification verification;
  private final SchemaDrift drift;

  MigrationExecutor(
      KubernetesPort kube,
      SchemaHistoryReader historyReader,
      VerificationBackoff backoff,
      MigrationLocks locks,
      SchemaRechecks rechecks) {
    this.verification = new MigrationVerification(historyReader, backoff);
    this.start = new MigrationStart(kube, historyReader, backoff, locks, verification);
    this.drift = new SchemaDrift(historyReader, backoff, rechecks);
  }

  StepResult execute(
      Observation observation,
      MigrationStep step,
      Optional<Job> targetJob,
      ReleaseHistory history,
      ReleaseSecrets secrets) {
    MigrationTarget target = new MigrationTarget(observation, history, secrets);
    return switch (step.kind()) {
      case ALREADY_VERIFIED -> drift.check(target, alreadyVerified(target));
      case PREVIOUSLY_FAILED -> previouslyFailed(target);
      case PAUSED ->
          target.result(
              MigrationProgress.of(
                  Stage.PAUSED,
                  Reason.Paused,
                  "spec.paused is true: the migration of "
                      + target.image()
                      + " starts when the release is resumed"));
      case AWAIT_SUPERSEDED_JOB ->
          target.result(
              MigrationProgress.of(
                  Stage.WAITING_FOR_SUPERSEDED,
                  Reason.WaitingForSupersededMigration,
                  "migration Job "
                      + step.detail()
                      + " of a superseded release is still running; the migration of "
                      + target.image()
                      + " starts when it ends, so that two migrations never run at once"));
      case CREATE_JOB -> start.createJob(target);
      case AWAIT_JOB -> JobDiagnosis.awaitJob(target, targetJob.orElseThrow());
      case JOB_FAILED -> JobDiagnosis.jobFailed(target, targetJob.orElseThrow(), step.detail());
      case VERIFY -> verification.verify(target, targetJob, false);
      case VERIFY_AFTER_JOB_LOST -> verification.verify(target, Optional.empty(), true);
    };
  }

  private static StepResult alreadyVerified(MigrationTarget t) {
    Optional<ReleaseCondition> verified =
        t.observation.previousVerification().filter(c -> "True".equals(c.getStatus()));
    return t.result(
        new MigrationProgress(
            Stage.VERIFIED,
            verified
                .map(ReleaseCondition::getReason)
                .flatMap(Reason::parse)
                .orElse(Reason.Verified),
            verified.map(ReleaseCondition::getMessage).orElse("migrations verified"),
            t.observation.previous().getSchemaVersion(),
            null));
  }

  private static StepResult previouslyFailed(MigrationTarget t) {
    ReleaseRecord record = t.history.find(t.id).orElseThrow();
    Reason reason = Reason.parse(record.reason()).orElse(Reason.MigrationJobFailed);
    Stage stage =
        reason.metric() == Reason.Metric.VERIFICATION_FAILURE || reason == Reason.InvalidDatabaseUrl
            ? Stage.VERIFICATION_FAILED
            : Stage.MIGRATION_FAILED;
    return t.result(t.failure(stage, reason, record.message()));
  }
}
