package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.ScalableResource;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseStatus;
import io.fleetlm.operator.api.Phase;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.api.ReleaseOutcome;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.database.DatabaseUnavailableException;
import io.fleetlm.operator.database.DatabaseUrl;
import io.fleetlm.operator.database.InvalidDatabaseUrlException;
import io.fleetlm.operator.database.SchemaHistory;
import io.fleetlm.operator.database.SchemaHistoryReader;
import io.fleetlm.operator.kube.AppDeploymentFactory;
import io.fleetlm.operator.kube.MigrationIdentity;
import io.fleetlm.operator.kube.MigrationJobFactory;
import io.fleetlm.operator.kube.MigrationJobState;
import io.fleetlm.operator.kube.ResourceNames;
import io.fleetlm.operator.observability.ReleaseEvents;
import io.fleetlm.operator.observability.ReleaseMetrics;
import io.fleetlm.operator.reconciler.DatabaseSecrets.MissingSecretException;
import io.fleetlm.operator.rollout.MigrationPlanner;
import io.fleetlm.operator.rollout.MigrationProgress;
import io.fleetlm.operator.rollout.MigrationProgress.Stage;
import io.fleetlm.operator.rollout.MigrationStep;
import io.fleetlm.operator.rollout.ReleaseHistory;
import io.fleetlm.operator.rollout.RolloutState;
import io.fleetlm.operator.status.ConditionType;
import io.fleetlm.operator.status.StatusCalculator;
import io.fleetlm.operator.status.StatusInputs;
import io.fleetlm.operator.verification.ExpectedSchema;
import io.fleetlm.operator.verification.MigrationVerifier;
import io.fleetlm.operator.verification.VerificationResult;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * One reconcile of one release: observe (Jobs and the Deployment from the informers, the database
 * when a migration needs verifying), decide the next step ({@link MigrationPlanner}, pure), act,
 * and write the status computed by {@link StatusCalculator}. The Deployment is only ever written
 * for a release whose migrations were verified, and that verification is recorded in the status
 * before the write.
 */
final class ReleaseReconciliation {
  private static final Logger LOG = Logger.getLogger(ReleaseReconciliation.class);
  private static final Duration BLOCKED_RECHECK = Duration.ofSeconds(30);
  private static final Set<String> VERIFICATION_REASONS =
      Set.of(
          "HistoryTableMissing",
          "FailedMigrationRecorded",
          "MigrationsMissing",
          "HistoryEmpty",
          "InvalidDatabaseUrl");

  private final SchemaHistoryReader historyReader;
  private final ReleaseMetrics metrics;
  private final Clock clock;
  private final VerificationBackoff backoff;
  private final FleetlmRelease release;
  private final Context<FleetlmRelease> context;
  private final KubernetesClient client;
  private final Instant now;
  private final FleetlmReleaseStatus previous;
  private final long generation;
  private final String targetId;
  private final String jobName;
  private final ReleaseHistory history;
  private final Map<String, Job> jobsById;
  private final ReleaseStatusWriter statusWriter;
  private final ReleaseEvents events;
  private String verifiedId;
  private boolean newlyVerified;
  private Duration retryAfter = Duration.ZERO;
  private Phase phase;

  ReleaseReconciliation(
      FleetlmRelease release,
      Context<FleetlmRelease> context,
      SchemaHistoryReader historyReader,
      ReleaseMetrics metrics,
      Clock clock,
      VerificationBackoff backoff) {
    this.historyReader = historyReader;
    this.metrics = metrics;
    this.clock = clock;
    this.backoff = backoff;
    this.release = release;
    this.context = context;
    this.client = context.getClient();
    // Kubernetes condition times have second precision.
    this.now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    this.previous = Objects.requireNonNullElseGet(release.getStatus(), FleetlmReleaseStatus::new);
    this.generation = Objects.requireNonNullElse(release.getMetadata().getGeneration(), 0L);
    this.targetId = MigrationIdentity.of(release.getSpec());
    this.jobName = ResourceNames.migrationJobName(release, targetId);
    this.verifiedId = previous.getVerifiedMigrationId();
    this.history = ReleaseHistory.of(previous.getHistory());
    this.history.supersedeAllBut(targetId, generation, now);
    this.jobsById =
        context.getSecondaryResources(Job.class).stream()
            .filter(j -> j.getMetadata().getLabels() != null)
            .filter(j -> j.getMetadata().getLabels().containsKey(ResourceNames.LABEL_MIGRATION_ID))
            .collect(
                Collectors.toMap(
                    j -> j.getMetadata().getLabels().get(ResourceNames.LABEL_MIGRATION_ID),
                    Function.identity(),
                    (a, b) -> a));
    this.statusWriter = new ReleaseStatusWriter(client, release);
    this.events = new ReleaseEvents(client, clock);
    this.phase = previous.getPhase();
  }

  UpdateControl<FleetlmRelease> run() {
    if (Boolean.TRUE.equals(release.getSpec().getPaused())) {
      statusWriter.write(StatusCalculator.paused(release, now));
      return UpdateControl.noUpdate();
    }
    MigrationProgress migration = migrate();
    if (migration.stage() == Stage.VERIFIED && newlyVerified) {
      // Durable before any pod of the new image can exist: a restart after this line still
      // knows the release is verified, and nobody sees new pods without MigrationsVerified=True.
      writeStatus(migration, RolloutState.of(observedDeployment()));
    }
    RolloutState rollout =
        RolloutState.of(
            targetId.equals(verifiedId) ? Optional.of(ensureDeployment()) : observedDeployment());
    writeStatus(migration, rollout);

    UpdateControl<FleetlmRelease> control = UpdateControl.noUpdate();
    if (migration.stage() == Stage.VERIFYING) {
      return control.rescheduleAfter(retryAfter);
    }
    if (migration.stage() == Stage.BLOCKED) {
      return control.rescheduleAfter(BLOCKED_RECHECK);
    }
    return control;
  }

  private MigrationProgress migrate() {
    Optional<Job> targetJob = Optional.ofNullable(jobsById.get(targetId));
    Optional<ReleaseRecord> record = history.find(targetId);
    if (targetJob.isEmpty() && record.isPresent() && !targetId.equals(verifiedId)) {
      // The cache can lag behind a Job created moments ago; ask the API server before
      // concluding that the Job is gone.
      targetJob = Optional.ofNullable(jobs().withName(jobName).get());
    }
    List<String> otherRunning =
        jobsById.entrySet().stream()
            .filter(e -> !e.getKey().equals(targetId))
            .filter(e -> !MigrationJobState.of(e.getValue()).finished())
            .map(e -> e.getValue().getMetadata().getName())
            .sorted()
            .toList();
    MigrationStep step =
        MigrationPlanner.next(
            targetId,
            verifiedId,
            record.map(ReleaseRecord::getOutcome),
            targetJob.map(MigrationJobState::of),
            otherRunning);
    LOG.debugf("%s: step %s", name(), step);
    return switch (step.kind()) {
      case ALREADY_VERIFIED -> alreadyVerified();
      case PREVIOUSLY_FAILED -> previouslyFailed(record.orElseThrow());
      case AWAIT_SUPERSEDED_JOB ->
          MigrationProgress.of(
              Stage.WAITING_FOR_SUPERSEDED,
              "WaitingForSupersededMigration",
              "migration Job "
                  + step.detail()
                  + " of a superseded release is still running; the migration of "
                  + release.getSpec().getImage()
                  + " starts when it ends, so that two migrations never run at once");
      case CREATE_JOB -> createJob();
      case AWAIT_JOB -> awaitJob(targetJob.orElseThrow());
      case JOB_FAILED -> jobFailed(targetJob.orElseThrow(), step.detail());
      case VERIFY -> verify(targetJob);
    };
  }

  private MigrationProgress alreadyVerified() {
    Optional<ReleaseCondition> verified =
        previous.getConditions().stream()
            .filter(c -> ConditionType.MIGRATIONS_VERIFIED.equals(c.getType()))
            .filter(c -> "True".equals(c.getStatus()))
            .findFirst();
    return new MigrationProgress(
        Stage.VERIFIED,
        verified.map(ReleaseCondition::getReason).orElse("Verified"),
        verified.map(ReleaseCondition::getMessage).orElse("migrations verified"),
        previous.getSchemaVersion(),
        null);
  }

  private MigrationProgress previouslyFailed(ReleaseRecord record) {
    String reason = Objects.requireNonNullElse(record.getReason(), "MigrationJobFailed");
    Stage stage =
        VERIFICATION_REASONS.contains(reason) ? Stage.VERIFICATION_FAILED : Stage.MIGRATION_FAILED;
    return failure(stage, reason, record.getMessage());
  }

  private MigrationProgress createJob() {
    // A Job without its Secrets would only fail later; say what is missing now.
    try {
      DatabaseSecrets secrets = new DatabaseSecrets(client);
      DatabaseUrl.parse(secrets.databaseUrl(release));
      secrets.checkSecretKeyBase(release);
    } catch (MissingSecretException | InvalidDatabaseUrlException e) {
      return blockedBy(e);
    }
    Job job = MigrationJobFactory.build(release, targetId);
    try {
      jobs().resource(job).create();
      LOG.infof("%s: created migration Job %s for %s", name(), jobName, image());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // Same deterministic name: this release's Job already exists, which is what we want.
    }
    history.started(targetId, image(), generation, jobName, now);
    return MigrationProgress.of(
        Stage.MIGRATING,
        "MigrationRunning",
        "migration Job " + jobName + " started for " + image());
  }

  private MigrationProgress awaitJob(Job job) {
    rememberJob(job);
    history.mark(targetId, ReleaseOutcome.Migrating, null, null, null, now);
    return MigrationProgress.of(
        Stage.MIGRATING,
        "MigrationRunning",
        "migration Job " + jobName + " is running for " + image());
  }

  private MigrationProgress jobFailed(Job job, String jobReason) {
    rememberJob(job);
    String reason =
        "DeadlineExceeded".equals(jobReason) ? "DeadlineExceeded" : "MigrationJobFailed";
    String jobMessage = MigrationJobState.of(job).message();
    String detail = new JobFailureMessages(client).describe(job, jobReason, jobMessage);
    history.mark(targetId, ReleaseOutcome.Failed, null, reason, detail, now);
    recordMigrationDuration("failed");
    return failure(Stage.MIGRATION_FAILED, reason, detail);
  }

  private MigrationProgress verify(Optional<Job> job) {
    job.ifPresent(this::rememberJob);
    if (history.find(targetId).isEmpty()) {
      history.started(targetId, image(), generation, jobName, now);
    }
    ReleaseOutcome outcome = history.find(targetId).orElseThrow().getOutcome();
    if (outcome == ReleaseOutcome.Migrating || outcome == ReleaseOutcome.Superseded) {
      history.mark(targetId, ReleaseOutcome.Migrated, null, null, null, now);
      recordMigrationDuration("succeeded");
    }
    ExpectedSchema expected = ExpectedSchema.of(release.getSpec().getMigration());
    String backoffKey = release.getMetadata().getUid() + "/" + targetId;
    DatabaseUrl url;
    try {
      url = DatabaseUrl.parse(new DatabaseSecrets(client).databaseUrl(release));
    } catch (MissingSecretException | InvalidDatabaseUrlException e) {
      return blockedBy(e);
    }
    SchemaHistory schemaHistory;
    try {
      schemaHistory = historyReader.read(url, expected.tool(), expected.historyTable());
    } catch (DatabaseUnavailableException e) {
      retryAfter = backoff.nextDelay(backoffKey);
      metrics.verificationFailure("DatabaseUnreachable");
      LOG.warnf("%s: %s", name(), e.getMessage());
      return MigrationProgress.of(
          Stage.VERIFYING,
          "DatabaseUnreachable",
          "the migration Job succeeded but the database cannot be read yet (attempt "
              + backoff.attempts(backoffKey)
              + ", next in "
              + retryAfter.toSeconds()
              + "s): "
              + e.getMessage());
    }
    backoff.reset(backoffKey);
    VerificationResult result = MigrationVerifier.verify(schemaHistory, expected);
    if (!result.passed()) {
      history.mark(
          targetId,
          ReleaseOutcome.Failed,
          result.latestVersion(),
          result.reason(),
          result.message(),
          now);
      metrics.verificationFailure(result.reason());
      return failure(Stage.VERIFICATION_FAILED, result.reason(), result.message());
    }
    history.mark(
        targetId,
        ReleaseOutcome.Verified,
        result.latestVersion(),
        result.reason(),
        result.message(),
        now);
    verifiedId = targetId;
    newlyVerified = true;
    events.verified(release, image() + ": " + result.message());
    return new MigrationProgress(
        Stage.VERIFIED, result.reason(), result.message(), result.latestVersion(), null);
  }

  private Deployment ensureDeployment() {
    Deployment desired = AppDeploymentFactory.build(release, image(), targetId);
    Optional<Deployment> existing = observedDeployment();
    String desiredHash =
        desired.getMetadata().getAnnotations().get(ResourceNames.ANNOTATION_DESIRED_HASH);
    boolean upToDate =
        existing
            .map(d -> d.getMetadata().getAnnotations())
            .map(a -> desiredHash.equals(a.get(ResourceNames.ANNOTATION_DESIRED_HASH)))
            .orElse(false);
    if (upToDate) {
      return existing.get();
    }
    LOG.infof("%s: applying Deployment with verified image %s", name(), image());
    return client
        .resource(desired)
        .fieldManager(FleetlmReleaseReconciler.NAME)
        .forceConflicts()
        .serverSideApply();
  }

  private Optional<Deployment> observedDeployment() {
    return context.getSecondaryResource(Deployment.class);
  }

  private void writeStatus(MigrationProgress migration, RolloutState rollout) {
    Set<String> keep = new LinkedHashSet<>();
    keep.add(targetId);
    if (verifiedId != null) {
      keep.add(verifiedId);
    }
    FleetlmReleaseStatus status =
        StatusCalculator.compute(
            new StatusInputs(
                release,
                targetId,
                verifiedId,
                history.find(targetId).map(ReleaseRecord::getJobName).orElse(null),
                migration,
                rollout,
                history.records(keep),
                warnings(),
                now));
    announcePhase(status);
    statusWriter.write(status);
    metrics.refreshSchemaVersions();
  }

  private void announcePhase(FleetlmReleaseStatus status) {
    Phase next = status.getPhase();
    if (next == phase) {
      return;
    }
    ReleaseCondition ready =
        status.getConditions().stream()
            .filter(c -> ConditionType.READY.equals(c.getType()))
            .findFirst()
            .orElseThrow();
    events.phaseChanged(release, phase, next, ready.getReason(), ready.getMessage());
    if (next == Phase.Failed) {
      // Counted once per failure, not once per reconcile of a failed release.
      metrics.failure(ready.getReason());
    }
    if (next == Phase.Ready) {
      history
          .find(targetId)
          .map(ReleaseRecord::getFinishedAt)
          .map(Instant::parse)
          .ifPresent(verifiedAt -> metrics.rolloutFinished(Duration.between(verifiedAt, now)));
    }
    LOG.infof("%s: phase %s -> %s (%s)", name(), phase, next, ready.getReason());
    phase = next;
  }

  private List<String> warnings() {
    List<String> warnings = new ArrayList<>();
    for (EnvVar env : Objects.requireNonNullElse(release.getSpec().getEnv(), List.<EnvVar>of())) {
      if ("MIGRATE_ON_BOOT".equals(env.getName()) && !"false".equals(env.getValue())) {
        warnings.add(
            "spec.env sets MIGRATE_ON_BOOT; the operator sets it to \"false\" on every pod"
                + " because it runs migrations itself, before the rollout");
      }
    }
    return warnings;
  }

  private void rememberJob(Job job) {
    if (history.find(targetId).isEmpty()) {
      // The operator stopped between creating the Job and recording it.
      Instant created =
          Optional.ofNullable(job.getMetadata().getCreationTimestamp())
              .map(Instant::parse)
              .orElse(now);
      history.started(targetId, image(), generation, jobName, created);
    }
  }

  private void recordMigrationDuration(String outcome) {
    history
        .find(targetId)
        .map(ReleaseRecord::getStartedAt)
        .map(Instant::parse)
        .ifPresent(started -> metrics.migrationFinished(Duration.between(started, now), outcome));
  }

  private MigrationProgress failure(Stage stage, String reason, String detail) {
    String serving =
        observedDeployment()
            .map(d -> "; the Deployment keeps running " + RolloutState.of(Optional.of(d)).image())
            .orElse("; no Deployment was created");
    String message =
        detail
            + serving
            + ". Fix the cause, then change spec.image or spec.migration.runId to try again.";
    return new MigrationProgress(stage, reason, message, null, detail);
  }

  /** A missing Secret or an unusable DATABASE_URL: the user has to act. */
  private MigrationProgress blockedBy(RuntimeException e) {
    return e instanceof MissingSecretException
        ? blocked("SecretNotFound", e.getMessage())
        : blocked("InvalidDatabaseUrl", e.getMessage() + "; fix the Secret");
  }

  private MigrationProgress blocked(String reason, String message) {
    return new MigrationProgress(Stage.BLOCKED, reason, message, null, message);
  }

  private NonNamespaceOperation<Job, JobList, ScalableResource<Job>> jobs() {
    return client.batch().v1().jobs().inNamespace(release.getMetadata().getNamespace());
  }

  private String image() {
    return release.getSpec().getImage();
  }

  private String name() {
    return release.getMetadata().getNamespace() + "/" + release.getMetadata().getName();
  }
}
