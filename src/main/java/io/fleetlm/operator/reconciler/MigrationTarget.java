package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fleetlm.operator.api.MigrationSpec;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.kube.ResourceNames;
import io.fleetlm.operator.rollout.MigrationProgress;
import io.fleetlm.operator.rollout.MigrationProgress.Stage;
import io.fleetlm.operator.rollout.ReleaseHistory;
import io.fleetlm.operator.rollout.RolloutState;
import io.fleetlm.operator.secrets.MissingSecretException;
import io.fleetlm.operator.secrets.ReleaseSecrets;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** One migration step for one release: the values every handler needs, fixed at the start. */
final class MigrationTarget {
  final Observation observation;
  final ReleaseHistory history;
  final ReleaseSecrets secrets;
  final String id;
  final String jobName;
  final String verifiedId;
  final Instant now;

  MigrationTarget(Observation observation, ReleaseHistory history, ReleaseSecrets secrets) {
    this.observation = observation;
    this.history = history;
    this.secrets = secrets;
    this.id = observation.targetId();
    this.jobName = ResourceNames.migrationJobName(observation.release(), id);
    this.verifiedId = observation.previous().getVerifiedMigrationId();
    this.now = observation.now();
  }

  MigrationSpec migration() {
    return Objects.requireNonNullElseGet(
        observation.release().getSpec().getMigration(), MigrationSpec::new);
  }

  String image() {
    return observation.release().getSpec().getImage();
  }

  /** The database the spec names now (host:port/name), or null when its Secret names none. */
  String database() {
    return observation.database().orElse(null);
  }

  /** What a running migration (or rollback) Job is doing, and for which database. */
  String running(String what) {
    return what + " Job " + jobName + " is running for " + image() + databaseChange();
  }

  /**
   * Said while the spec names another database than the one the running pods were verified against:
   * they keep using that one until the new one is verified and they are replaced.
   */
  private String databaseChange() {
    String verifiedIn =
        verifiedId == null
            ? null
            : history.find(verifiedId).map(ReleaseRecord::database).orElse(null);
    String named = database();
    if (verifiedIn == null || named == null || verifiedIn.equals(named)) {
      return "";
    }
    return " in database "
        + named
        + "; the pods started before the change use "
        + verifiedIn
        + " until it is verified and they are replaced";
  }

  StepResult result(MigrationProgress progress) {
    return StepResult.of(progress, history, verifiedId);
  }

  /** The operator may have stopped between creating the Job and recording it. */
  ReleaseHistory remembered(Job job) {
    if (history.find(id).isPresent()) {
      return history;
    }
    Instant created =
        Optional.ofNullable(job.getMetadata().getCreationTimestamp())
            .map(Instant::parse)
            .orElse(now);
    ReleaseHistory started =
        history.started(id, image(), observation.generation(), jobName, created, database());
    String rollbackTo = migration().getRollbackTo();
    if (rollbackTo == null) {
      return started;
    }
    // The rollback's identity includes rollbackTo, so the spec names what this Job does.
    return started.rollingBack(id, rollbackTo, jobImage(job) + " (a Job found, not recorded)");
  }

  static String jobImage(Job job) {
    return job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  MigrationProgress failure(Stage stage, Reason reason, String detail) {
    String serving =
        observation
            .deployment()
            .map(d -> "; the Deployment keeps running " + RolloutState.imageOf(d))
            .orElse("; no Deployment was created");
    String message =
        detail
            + serving
            + ". Fix the cause, then change spec.image or spec.migration.runId to try again.";
    return new MigrationProgress(stage, reason, message, null, detail);
  }

  /** A missing Secret or an unusable DATABASE_URL: the user has to act. */
  MigrationProgress blockedBy(RuntimeException e) {
    String message =
        e instanceof MissingSecretException ? e.getMessage() : e.getMessage() + "; fix the Secret";
    Reason reason =
        e instanceof MissingSecretException ? Reason.SecretNotFound : Reason.InvalidDatabaseUrl;
    return new MigrationProgress(Stage.BLOCKED, reason, message, null, message);
  }

  /** What the migration container left, masked; null when it left nothing. */
  String lastWords(List<Pod> pods) {
    return JobFailureMessages.lastWords(pods, secrets.masker()::mask).orElse(null);
  }
}
