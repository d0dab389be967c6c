package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fleetlm.operator.api.MigrationSpec;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.api.ReleaseOutcome;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.database.DatabaseUnavailableException;
import io.fleetlm.operator.database.DatabaseUrl;
import io.fleetlm.operator.database.InvalidDatabaseUrlException;
import io.fleetlm.operator.database.SchemaHistory;
import io.fleetlm.operator.database.SchemaHistoryReader;
import io.fleetlm.operator.kube.KubernetesPort;
import io.fleetlm.operator.kube.MigrationJobFactory;
import io.fleetlm.operator.kube.MigrationJobState;
import io.fleetlm.operator.kube.MigrationPods;
import io.fleetlm.operator.kube.ResourceNames;
import io.fleetlm.operator.rollout.MigrationProgress;
import io.fleetlm.operator.rollout.MigrationProgress.Stage;
import io.fleetlm.operator.rollout.MigrationStep;
import io.fleetlm.operator.rollout.ReleaseHistory;
import io.fleetlm.operator.rollout.RollbackPlan;
import io.fleetlm.operator.rollout.RolloutState;
import io.fleetlm.operator.secrets.MissingSecretException;
import io.fleetlm.operator.secrets.ReleaseSecrets;
import io.fleetlm.operator.status.ConditionType;
import io.fleetlm.operator.verification.ExpectedSchema;
import io.fleetlm.operator.verification.ImageContract;
import io.fleetlm.operator.verification.ImageMigrationReport;
import io.fleetlm.operator.verification.MigrationVerifier;
import io.fleetlm.operator.verification.VerificationResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Carries out the migration step the planner chose: creates the Job, reads why it failed, or
 * verifies the database. It returns what happened; it writes no status and sends no Event.
 */
final class MigrationExecutor {

  private static final Logger LOG = Logger.getLogger(MigrationExecutor.class);

  private final KubernetesPort kube;
  private final SchemaHistoryReader historyReader;
  private final VerificationBackoff backoff;
  private final MigrationLocks locks;

  MigrationExecutor(
      KubernetesPort kube,
      SchemaHistoryReader historyReader,
      VerificationBackoff backoff,
      MigrationLocks locks) {
    this.kube = kube;
    this.historyReader = historyReader;
    this.backoff = backoff;
    this.locks = locks;
  }

  StepResult execute(
      Observation observation,
      MigrationStep step,
      Optional<Job> targetJob,
      ReleaseHistory history,
      ReleaseSecrets secrets) {
    Target target = new Target(observation, history, secrets);
    return switch (step.kind()) {
      case ALREADY_VERIFIED -> target.alreadyVerified();
      case PREVIOUSLY_FAILED -> target.previouslyFailed();
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
      case CREATE_JOB -> target.createJob();
      case AWAIT_JOB -> target.awaitJob(targetJob.orElseThrow());
      case JOB_FAILED -> target.jobFailed(targetJob.orElseThrow(), step.detail());
      case VERIFY -> target.verify(targetJob, false);
      case VERIFY_AFTER_JOB_LOST -> target.verify(Optional.empty(), true);
    };
  }

  /** One step for one release: the values every handler needs, fixed at the start. */
  private final class Target {
    private final Observation observation;
    private final ReleaseHistory history;
    private final ReleaseSecrets secrets;
    private final String id;
    private final String jobName;
    private final String verifiedId;
    private final Instant now;

    Target(Observation observation, ReleaseHistory history, ReleaseSecrets secrets) {
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

    StepResult result(MigrationProgress progress) {
      return StepResult.of(progress, history, verifiedId);
    }

    StepResult alreadyVerified() {
      Optional<ReleaseCondition> verified =
          observation.previous().getConditions().stream()
              .filter(c -> ConditionType.MIGRATIONS_VERIFIED.equals(c.getType()))
              .filter(c -> "True".equals(c.getStatus()))
              .findFirst();
      return result(
          new MigrationProgress(
              Stage.VERIFIED,
              verified
                  .map(ReleaseCondition::getReason)
                  .flatMap(Reason::parse)
                  .orElse(Reason.Verified),
              verified.map(ReleaseCondition::getMessage).orElse("migrations verified"),
              observation.previous().getSchemaVersion(),
              null));
    }

    StepResult previouslyFailed() {
      ReleaseRecord record = history.find(id).orElseThrow();
      Reason reason = Reason.parse(record.reason()).orElse(Reason.MigrationJobFailed);
      Stage stage =
          reason.metric() == Reason.Metric.VERIFICATION_FAILURE
                  || reason == Reason.InvalidDatabaseUrl
              ? Stage.VERIFICATION_FAILED
              : Stage.MIGRATION_FAILED;
      return result(failure(stage, reason, record.message()));
    }

    StepResult createJob() {
      // A Job without its Secrets, or against a database that does not answer, would only fail
      // later: say so now, and start nothing.
      DatabaseUrl url;
      try {
        secrets.checkDatabaseSecrets();
        url = secrets.databaseUrl();
      } catch (MissingSecretException | InvalidDatabaseUrlException e) {
        return result(blockedBy(e));
      }
      String backoffKey = observation.release().getMetadata().getUid() + "/preflight/" + id;
      try {
        historyReader.probe(url);
        backoff.reset(backoffKey);
      } catch (DatabaseUnavailableException e) {
        String problem = secrets.masker().mask(e.getMessage());
        if (e.credentialsRefused()) {
          String message =
              "the database refuses the credentials in DATABASE_URL ("
                  + problem
                  + "); fix the Secret and the migration starts";
          return result(
              new MigrationProgress(
                  Stage.BLOCKED, Reason.DatabaseAuthFailed, message, null, message));
        }
        return unreachable(backoffKey, problem);
      }
      MigrationLocks.Claim claim =
          locks.claim(url.identity(), observation.release(), id, jobName, now);
      if (!claim.granted()) {
        return result(
            MigrationProgress.of(
                Stage.WAITING,
                Reason.WaitingForDatabase,
                "database "
                    + url.identity()
                    + " is being migrated by "
                    + claim.holder()
                    + (claim.holderJob() == null ? "" : " (Job " + claim.holderJob() + ")")
                    + (claim.since() == null ? "" : " since " + claim.since())
                    + "; the migration of "
                    + image()
                    + " starts when that one ends: one migration per database at a time"));
      }
      ExpectedSchema expected = ExpectedSchema.of(migration());
      if (expected.rollback()) {
        return startRollback(url, expected, backoffKey);
      }
      if (kube.createJob(MigrationJobFactory.build(observation.release(), id))) {
        LOG.infof("%s: created migration Job %s for %s", observation.name(), jobName, image());
      }
      return StepResult.of(
          MigrationProgress.of(
              Stage.MIGRATING,
              Reason.MigrationRunning,
              // Worded as the reconciles that follow word it: the same status is not written twice.
              "migration Job " + jobName + " is running for " + image()),
          history.started(id, image(), observation.generation(), jobName, now),
          verifiedId);
    }

    private StepResult unreachable(String backoffKey, String problem) {
      VerificationBackoff.Retry retry = backoff.next(backoffKey, now);
      return result(
              MigrationProgress.of(
                  Stage.WAITING,
                  Reason.DatabaseUnreachable,
                  "no migration starts until the database answers (attempt "
                      + retry.attempt()
                      + ", next in "
                      + retry.delay().toSeconds()
                      + "s): "
                      + problem))
          .retryAfter(retry.delay());
    }

    /**
     * A rollback reverts what is applied above the target, so it starts from the database: with
     * nothing to revert (or a target that is not applied) no Job runs and verification says so.
     */
    private StepResult startRollback(DatabaseUrl url, ExpectedSchema expected, String backoffKey) {
      String to = expected.rollbackTo();
      SchemaHistory schemaHistory;
      try {
        schemaHistory = historyReader.read(url, expected.tool(), expected.historyTable());
      } catch (DatabaseUnavailableException e) {
        return unreachable(backoffKey, secrets.masker().mask(e.getMessage()));
      }
      RollbackPlan plan = RollbackPlan.of(schemaHistory, to);
      if (!plan.needsJob()) {
        return verifyFrom(
            history
                .started(id, image(), observation.generation(), null, now)
                .rollingBack(id, to, "none: " + plan.describe()),
            Optional.empty(),
            false);
      }
      String jobImage = rollbackImage();
      if (jobImage == null) {
        String message =
            "the database holds "
                + plan.describe()
                + ", and no image is known to revert them: this release has verified no image"
                + " yet. Set spec.migration.rollbackImage to the image that applied them";
        return result(
            new MigrationProgress(
                Stage.BLOCKED, Reason.RollbackImageUnknown, message, null, message));
      }
      if (history.lacksReleaseHelper(jobImage)) {
        String message = ImageContract.noRollback(jobImage);
        return result(
            new MigrationProgress(Stage.BLOCKED, Reason.UnsupportedImage, message, null, message));
      }
      if (kube.createJob(
          MigrationJobFactory.buildRollback(
              observation.release(), id, jobImage, plan.inclusiveBound()))) {
        LOG.infof(
            "%s: created rollback Job %s with %s: %s",
            observation.name(), jobName, jobImage, plan.describe());
      }
      return StepResult.of(
          MigrationProgress.of(
              Stage.MIGRATING,
              Reason.RollbackRunning,
              "rollback Job "
                  + jobName
                  + " started with "
                  + jobImage
                  + " to revert "
                  + plan.describe()
                  + "; "
                  + image()
                  + " is deployed once the database ends at "
                  + to),
          history
              .started(id, image(), observation.generation(), jobName, now)
              .rollingBack(
                  id,
                  to,
                  jobImage + " reverting every version from " + plan.inclusiveBound() + " up"),
          verifiedId);
    }

    /** The image that knows the migrations to revert: the spec's choice, else the verified one. */
    private String rollbackImage() {
      String chosen = migration().getRollbackImage();
      if (chosen != null) {
        return chosen;
      }
      return verifiedId == null
          ? null
          : history.find(verifiedId).map(ReleaseRecord::image).orElse(null);
    }

    StepResult awaitJob(Job job) {
      ReleaseHistory known =
          remembered(job).mark(id, ReleaseOutcome.Migrating, null, null, null, now);
      Optional<MigrationPods.Stall> stall = MigrationPods.stall(observation.podsOf(job));
      if (stall.isPresent()) {
        String said = secrets.masker().mask(stall.get().message());
        String message =
            "migration Job "
                + jobName
                + " cannot make progress: "
                + said
                + ". "
                + fixFor(stall.get());
        return StepResult.of(
            new MigrationProgress(Stage.STALLED, stall.get().reason(), message, null, said),
            known,
            verifiedId);
      }
      boolean rollingBack = known.find(id).map(ReleaseRecord::rollbackTo).isPresent();
      return StepResult.of(
          MigrationProgress.of(
              Stage.MIGRATING,
              rollingBack ? Reason.RollbackRunning : Reason.MigrationRunning,
              (rollingBack ? "rollback Job " : "migration Job ")
                  + jobName
                  + " is running for "
                  + image()),
          known,
          verifiedId);
    }

    private String fixFor(MigrationPods.Stall stall) {
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

    StepResult jobFailed(Job job, String jobReason) {
      // Asked of the API server at observation when the pod informer had none.
      List<Pod> pods = observation.podsOf(job);
      boolean oomKilled =
          MigrationPods.stall(pods).filter(s -> s.reason() == Reason.OOMKilled).isPresent();
      String podText =
          JobFailureMessages.describe(
              job, jobReason, MigrationJobState.of(job).message(), pods, secrets.masker()::mask);
      ReleaseHistory known = remembered(job);
      boolean rollingBack = known.find(id).map(ReleaseRecord::rollbackTo).isPresent();
      Optional<String> unsupported = ImageContract.unsupported(podText, jobImage(job), rollingBack);
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
      String detail = secrets.masker().mask(explained);
      return StepResult.of(
          failure(Stage.MIGRATION_FAILED, reason, detail),
          known
              .mark(id, ReleaseOutcome.Failed, null, reason, detail, now)
              .withOutput(id, lastWords(pods)),
          verifiedId);
    }

    StepResult verify(Optional<Job> job, boolean jobLost) {
      return verifyFrom(job.map(this::remembered).orElse(history), job, jobLost);
    }

    private StepResult verifyFrom(ReleaseHistory base, Optional<Job> job, boolean jobLost) {
      ReleaseHistory known = base;
      if (known.find(id).isEmpty()) {
        known = known.started(id, image(), observation.generation(), jobName, now);
      }
      if (job.isPresent()) {
        known = known.withOutput(id, lastWords(observation.podsOf(job.get())));
      }
      ReleaseOutcome outcome = known.find(id).orElseThrow().outcome();
      if (!jobLost
          && (outcome == ReleaseOutcome.Migrating || outcome == ReleaseOutcome.Superseded)) {
        known = known.mark(id, ReleaseOutcome.Migrated, null, null, null, now);
      }
      ExpectedSchema expected = ExpectedSchema.of(migration());
      String backoffKey = observation.release().getMetadata().getUid() + "/" + id;
      DatabaseUrl url;
      try {
        url = secrets.databaseUrl();
      } catch (MissingSecretException | InvalidDatabaseUrlException e) {
        return StepResult.of(blockedBy(e), known, verifiedId);
      }
      SchemaHistory schemaHistory;
      try {
        schemaHistory = historyReader.read(url, expected.tool(), expected.historyTable());
      } catch (DatabaseUnavailableException e) {
        VerificationBackoff.Retry retry = backoff.next(backoffKey, now);
        String problem = secrets.masker().mask(e.getMessage());
        LOG.warnf("%s: %s", observation.name(), problem);
        return StepResult.of(
                MigrationProgress.of(
                    Stage.VERIFYING,
                    Reason.DatabaseUnreachable,
                    (jobLost
                            ? "the migration Job was deleted while it ran; the database decides"
                                + " whether its migrations are in place, but cannot be read yet"
                            : "the migration Job succeeded but the database cannot be read yet")
                        + " (attempt "
                        + retry.attempt()
                        + ", next in "
                        + retry.delay().toSeconds()
                        + "s): "
                        + problem),
                known,
                verifiedId)
            .retryAfter(retry.delay());
      }
      backoff.reset(backoffKey);
      // What the image said of its own migrations, kept in the history so it outlives the Job.
      Optional<ImageMigrationReport> image =
          known.find(id).map(ReleaseRecord::output).flatMap(ImageMigrationReport::parse);
      VerificationResult result = MigrationVerifier.verify(schemaHistory, expected, image);
      if (!result.passed()) {
        Reason reason = jobLost ? Reason.MigrationJobDeleted : result.reason();
        String message =
            jobLost
                ? "migration Job "
                    + jobName
                    + " was deleted before it finished, and the database does not hold the"
                    + " release's migrations (verification: "
                    + result.reason()
                    + "). Check the database for a half-applied migration, then change"
                    + " spec.migration.runId to run the migration again"
                : result.message();
        return StepResult.of(
            failure(Stage.VERIFICATION_FAILED, reason, message),
            known.mark(id, ReleaseOutcome.Failed, result.latestVersion(), reason, message, now),
            verifiedId);
      }
      return new StepResult(
          new MigrationProgress(
              Stage.VERIFIED, result.reason(), result.message(), result.latestVersion(), null),
          known.mark(
              id,
              ReleaseOutcome.Verified,
              result.latestVersion(),
              result.reason(),
              result.message(),
              now),
          id,
          true,
          Duration.ZERO);
    }

    /** What the migration container left, masked; null when it left nothing. */
    private String lastWords(List<Pod> pods) {
      return JobFailureMessages.lastWords(pods, secrets.masker()::mask).orElse(null);
    }

    /** The operator may have stopped between creating the Job and recording it. */
    private ReleaseHistory remembered(Job job) {
      if (history.find(id).isPresent()) {
        return history;
      }
      Instant created =
          Optional.ofNullable(job.getMetadata().getCreationTimestamp())
              .map(Instant::parse)
              .orElse(now);
      ReleaseHistory started =
          history.started(id, image(), observation.generation(), jobName, created);
      String rollbackTo = migration().getRollbackTo();
      if (rollbackTo == null) {
        return started;
      }
      // The rollback's identity includes rollbackTo, so the spec names what this Job does.
      return started.rollingBack(id, rollbackTo, jobImage(job) + " (a Job found, not recorded)");
    }

    private static String jobImage(Job job) {
      return job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    private MigrationProgress failure(Stage stage, Reason reason, String detail) {
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
    private MigrationProgress blockedBy(RuntimeException e) {
      String message =
          e instanceof MissingSecretException
              ? e.getMessage()
              : e.getMessage() + "; fix the Secret";
      Reason reason =
          e instanceof MissingSecretException ? Reason.SecretNotFound : Reason.InvalidDatabaseUrl;
      return new MigrationProgress(Stage.BLOCKED, reason, message, null, message);
    }
  }
}
