package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusDetails;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseStatus;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.ReleaseOutcome;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.config.OperatorConfig;
import io.fleetlm.operator.database.SchemaHistoryReader;
import io.fleetlm.operator.kube.KubernetesPort;
import io.fleetlm.operator.kube.MigrationJobState;
import io.fleetlm.operator.kube.MigrationPods;
import io.fleetlm.operator.kube.ReleaseEvent;
import io.fleetlm.operator.kube.ResourceNames;
import io.fleetlm.operator.observability.ReleaseEvents;
import io.fleetlm.operator.observability.ReleaseMetrics;
import io.fleetlm.operator.rollout.ClusterState;
import io.fleetlm.operator.rollout.MigrationPlanner;
import io.fleetlm.operator.rollout.MigrationProgress.Stage;
import io.fleetlm.operator.rollout.MigrationStep;
import io.fleetlm.operator.rollout.ReleaseHistory;
import io.fleetlm.operator.rollout.RolloutState;
import io.fleetlm.operator.secrets.ReleaseSecrets;
import io.fleetlm.operator.secrets.SecretMasker;
import io.fleetlm.operator.status.StatusCalculator;
import io.fleetlm.operator.status.StatusInputs;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * One reconcile as a one-way flow: observation → plan ({@link MigrationPlanner}, pure) → the
 * migration step and the Deployment → status ({@link StatusCalculator}) → write → Events and
 * metrics from how the status changed. The Deployment only ever runs a verified release, and a new
 * verification is written to the status before the Deployment changes.
 */
final class ReleaseReconciliation {

  private static final Logger LOG = Logger.getLogger(ReleaseReconciliation.class);

  private final KubernetesPort kube;
  private final MigrationExecutor executor;
  private final DeploymentSync deployments;
  private final ClusterSync clusters;
  private final ReleaseMetrics metrics;
  private final OperatorConfig config;
  private final MigrationLocks locks;

  /**
   * @param lockNamespace where the Leases that give one migration per database live
   * @param waiters releases to wake when such a Lease changes
   */
  ReleaseReconciliation(
      KubernetesPort kube,
      SchemaHistoryReader historyReader,
      ReleaseMetrics metrics,
      OperatorConfig config,
      String lockNamespace,
      LockWaiters waiters) {
    this.kube = kube;
    this.locks = new MigrationLocks(kube, lockNamespace, waiters);
    this.executor =
        new MigrationExecutor(
            kube,
            historyReader,
            new VerificationBackoff(
                config.verificationBackoff().initial(), config.verificationBackoff().max()),
            locks);
    this.deployments = new DeploymentSync(kube);
    this.clusters = new ClusterSync(kube);
    this.metrics = metrics;
    this.config = config;
  }

  /**
   * @param status the status as written
   * @param requeueAfter when to look again without an event (zero: only on events)
   * @param retry whether a failed reconcile is worth retrying
   * @param written the release as the last status write returned it (null: nothing written), for
   *     the primary cache: the next reconcile then starts from it, not from a stale copy
   */
  record Outcome(
      FleetlmReleaseStatus status, Duration requeueAfter, boolean retry, FleetlmRelease written) {}

  Outcome reconcile(Observation observation) {
    FleetlmRelease release = observation.release();
    String targetId = observation.targetId();
    String verifiedId = observation.previous().getVerifiedMigrationId();
    ReleaseHistory history =
        withRunningJobs(
                ReleaseHistory.of(observation.previous().getHistory()), observation, targetId)
            .supersedeAllBut(targetId, observation.generation(), observation.now());
    Optional<ReleaseRecord> record = history.find(targetId);
    Optional<Job> targetJob = Optional.ofNullable(observation.jobsById().get(targetId));
    if (targetJob.isEmpty() && record.isPresent() && !targetId.equals(verifiedId)) {
      // Before concluding the Job is gone, ask the API server rather than the cache, by the name
      // the record holds: an older operator may have named it differently.
      String jobName =
          Objects.requireNonNullElseGet(
              record.get().jobName(), () -> ResourceNames.migrationJobName(release, targetId));
      targetJob = kube.job(release.getMetadata().getNamespace(), jobName);
    }
    List<String> stopped = stopStuckSupersededJobs(observation, targetId);
    MigrationStep step =
        MigrationPlanner.next(
            targetId,
            verifiedId,
            record.map(ReleaseRecord::outcome),
            targetJob.map(MigrationJobState::of),
            otherRunningJobs(observation, targetId).stream()
                .filter(name -> !stopped.contains(name))
                .toList(),
            observation.paused());
    LOG.debugf("%s: step %s", observation.name(), step);
    ReleaseSecrets secrets = secretsOf(release);
    if (step.kind() == MigrationStep.Kind.CREATE_JOB) {
      // Made while the migration runs, so that only the Deployment write follows verification.
      clusters.ensureCookie(observation);
    }
    StepResult migration = executor.execute(observation, step, targetJob, history, secrets);

    FleetlmRelease written = release;
    int wanted = Objects.requireNonNullElse(release.getSpec().getReplicas(), 1);
    if (migration.newlyVerified()) {
      // Durable before any pod of the new image can exist: a restart after this line still
      // knows the release is verified, and nobody sees new pods without MigrationsVerified=True.
      written =
          write(
              written,
              statusOf(
                  observation,
                  migration,
                  RolloutState.of(observation.deployment(), wanted),
                  clusters.sync(observation, false).state()));
    }
    String verifiedImage = verifiedImage(observation, migration);
    boolean deploying =
        migration.verifiedId() != null && verifiedImage != null && !observation.paused();
    if (deploying) {
      clusters.ensureCookie(observation);
    }
    DeploymentSync.Result rollout =
        deployments.sync(observation, migration.verifiedId(), verifiedImage);
    ClusterSync.Result cluster = clusters.sync(observation, deploying);
    RolloutState rolloutState = RolloutState.of(rollout.deployment(), wanted);
    FleetlmReleaseStatus status = statusOf(observation, migration, rolloutState, cluster.state());
    if (awaitsDeploymentController(written.getStatus(), status, rolloutState)) {
      status = written.getStatus();
    } else {
      written = write(written, status);
    }
    List<String> corrected = new ArrayList<>(rollout.corrected());
    corrected.addAll(cluster.corrected());
    announce(
        release, observation.previous(), status, corrected, stopped, secrets, observation.now());
    releaseDatabase(observation, migration, stopped);

    Duration requeue = migration.retryAfter();
    if (requeue.isZero()
        && (migration.progress().stage() == Stage.BLOCKED
            || migration.progress().stage() == Stage.WAITING)) {
      requeue = config.blockedRecheck();
    }
    return new Outcome(status, requeue, true, written == release ? null : written);
  }

  /**
   * A reconcile that threw. The status says why (the API server's words, secrets masked), with
   * InvalidPodTemplate when the API server refused a Job or Deployment built from the spec: only a
   * new spec helps, so that one is not retried. Anything else is retried with backoff and becomes
   * Stalled once retrying has not helped.
   */
  Outcome failed(FleetlmRelease cached, Exception error, int attempt, Instant now) {
    if (error instanceof KubernetesClientException e && e.getCode() == 409) {
      return new Outcome(cached.getStatus(), Duration.ZERO, true, null);
    }
    String namespace = cached.getMetadata().getNamespace();
    Optional<FleetlmRelease> fresh = kube.release(namespace, cached.getMetadata().getName());
    if (fresh.isEmpty()) {
      return new Outcome(null, Duration.ZERO, false, null);
    }
    FleetlmRelease release = fresh.get();
    SecretMasker masker = maskerFor(release);
    Optional<String> refusedKind = refusedKind(error);
    Reason reason = refusedKind.isPresent() ? Reason.InvalidPodTemplate : Reason.ReconcileError;
    String message =
        masker.mask(
            refusedKind
                .map(
                    kind ->
                        "the API server refused the "
                            + kind
                            + " built from this FleetlmRelease: "
                            + apiMessage(error)
                            + ". Fix the pod settings in spec (resources, env, labels,"
                            + " tolerations, nodeSelector); the Job and the Deployment use them")
                .orElseGet(() -> error.getClass().getSimpleName() + ": " + apiMessage(error)));
    boolean stalled = refusedKind.isPresent() || attempt >= config.errorsBeforeStalled();
    LOG.warnf("%s/%s: %s", namespace, release.getMetadata().getName(), message);
    FleetlmReleaseStatus status = StatusCalculator.error(release, reason, message, stalled, now);
    FleetlmRelease written = write(release, status);
    kube.recordEvent(release, ReleaseEvent.warning(reason, message));
    metrics.observe(release.getStatus(), status, now);
    return new Outcome(
        status, Duration.ZERO, refusedKind.isEmpty(), written == release ? null : written);
  }

  /**
   * A status that differs from the one written only in what the Deployment controller has not yet
   * answered is not written: its answer is a watch event whose reconcile writes the status anyway.
   * Phase and observed generation always go out at once (kstatus and kubectl wait read them).
   */
  private static boolean awaitsDeploymentController(
      FleetlmReleaseStatus written, FleetlmReleaseStatus next, RolloutState rollout) {
    return rollout.exists()
        && !rollout.observed()
        && written != null
        && written.getPhase() == next.getPhase()
        && Objects.equals(written.getObservedGeneration(), next.getObservedGeneration());
  }

  private FleetlmRelease write(FleetlmRelease current, FleetlmReleaseStatus status) {
    if (Serialization.asJson(status).equals(Serialization.asJson(current.getStatus()))) {
      return current;
    }
    return kube.writeStatus(current, status);
  }

  private void announce(
      FleetlmRelease release,
      FleetlmReleaseStatus before,
      FleetlmReleaseStatus after,
      List<String> driftCorrected,
      List<String> stoppedJobs,
      ReleaseSecrets secrets,
      Instant now) {
    List<ReleaseEvent> events = ReleaseEvents.between(before, after, driftCorrected, stoppedJobs);
    if (!events.isEmpty()) {
      SecretMasker masker =
          driftCorrected.isEmpty() ? SecretMasker.urlCredentialsOnly() : secrets.masker();
      for (ReleaseEvent event : events) {
        kube.recordEvent(
            release,
            new ReleaseEvent(event.warning(), event.reason(), masker.mask(event.message())));
      }
      LOG.infof(
          "%s/%s: %s",
          release.getMetadata().getNamespace(),
          release.getMetadata().getName(),
          events.stream().map(ReleaseEvent::reason).toList());
    }
    metrics.observe(before, after, now);
    String schemaBefore = before == null ? null : before.getSchemaVersion();
    if (!Objects.equals(schemaBefore, after.getSchemaVersion())) {
      // Rebuilding the gauge reads every release: only when a schema version moved.
      metrics.refreshSchemaVersions(release, after.getSchemaVersion());
    }
  }

  private FleetlmReleaseStatus statusOf(
      Observation observation, StepResult migration, RolloutState rollout, ClusterState cluster) {
    String targetId = observation.targetId();
    Set<String> keep = new LinkedHashSet<>();
    keep.add(targetId);
    if (migration.verifiedId() != null) {
      keep.add(migration.verifiedId());
    }
    return StatusCalculator.compute(
        new StatusInputs(
            observation.release(),
            targetId,
            migration.verifiedId(),
            migration.history().find(targetId).map(ReleaseRecord::jobName).orElse(null),
            migration.progress(),
            rollout,
            cluster,
            migration.history().records(keep),
            observation.now()));
  }

  /** The image the Deployment may run: the target's once verified, else the last verified one. */
  private static String verifiedImage(Observation observation, StepResult migration) {
    String verifiedId = migration.verifiedId();
    if (verifiedId == null) {
      return null;
    }
    if (verifiedId.equals(observation.targetId())) {
      return observation.release().getSpec().getImage();
    }
    return migration
        .history()
        .find(verifiedId)
        .filter(r -> r.outcome() == ReleaseOutcome.Verified)
        .map(ReleaseRecord::image)
        .orElse(null);
  }

  /**
   * A superseded migration whose pod never started its container (it cannot pull its image, lacks
   * its configuration, cannot be scheduled) is stopped at once, so that the migration of the spec
   * that fixes it need not wait for the old Job's deadline. A container that has started is never
   * stopped: a migration is never killed mid-run.
   */
  private List<String> stopStuckSupersededJobs(Observation observation, String targetId) {
    List<String> stopped = new ArrayList<>();
    for (Map.Entry<String, Job> entry : observation.jobsById().entrySet()) {
      Job job = entry.getValue();
      if (entry.getKey().equals(targetId) || MigrationJobState.of(job).finished()) {
        continue;
      }
      List<Pod> pods = observation.podsOf(job);
      Optional<MigrationPods.Stall> stall = MigrationPods.stall(pods);
      if (stall.isPresent() && MigrationPods.neverStarted(pods)) {
        kube.deleteJob(job);
        LOG.infof(
            "%s: stopped superseded migration Job %s: %s",
            observation.name(), job.getMetadata().getName(), stall.get().reason());
        stopped.add(job.getMetadata().getName());
      }
    }
    return stopped;
  }

  /** The release's claim on its database ends with the last of its Jobs that runs. */
  private void releaseDatabase(
      Observation observation, StepResult migration, List<String> stopped) {
    Set<String> running = new LinkedHashSet<>();
    observation
        .jobsById()
        .forEach(
            (id, job) -> {
              if (!MigrationJobState.of(job).finished()
                  && !stopped.contains(job.getMetadata().getName())) {
                running.add(id);
              }
            });
    Stage stage = migration.progress().stage();
    if (stage == Stage.MIGRATING || stage == Stage.STALLED) {
      running.add(observation.targetId());
    }
    locks.releaseUnlessRunning(observation.release(), running);
  }

  /**
   * Every running migration Job of an earlier spec in the history, recorded or not (the target's
   * own Job is remembered by the executor, which knows what it runs).
   */
  private static ReleaseHistory withRunningJobs(
      ReleaseHistory history, Observation observation, String targetId) {
    ReleaseHistory known = history;
    for (Map.Entry<String, Job> job : runningJobsBesides(observation, targetId)) {
      ObjectMeta meta = job.getValue().getMetadata();
      known =
          known.found(
              job.getKey(),
              Objects.requireNonNullElse(meta.getAnnotations(), Map.<String, String>of())
                  .get(ResourceNames.ANNOTATION_IMAGE),
              meta.getName(),
              meta.getCreationTimestamp() == null
                  ? observation.now()
                  : Instant.parse(meta.getCreationTimestamp()));
    }
    return known;
  }

  /** Migration Jobs of other identities than the target that have not ended, by name. */
  private static List<Map.Entry<String, Job>> runningJobsBesides(
      Observation observation, String targetId) {
    return observation.jobsById().entrySet().stream()
        .filter(e -> !e.getKey().equals(targetId))
        .filter(e -> !MigrationJobState.of(e.getValue()).finished())
        .sorted(Map.Entry.comparingByValue(Comparator.comparing(j -> j.getMetadata().getName())))
        .toList();
  }

  private static List<String> otherRunningJobs(Observation observation, String targetId) {
    return runningJobsBesides(observation, targetId).stream()
        .map(e -> e.getValue().getMetadata().getName())
        .toList();
  }

  private ReleaseSecrets secretsOf(FleetlmRelease release) {
    String namespace = release.getMetadata().getNamespace();
    return new ReleaseSecrets(
        release, name -> kube.secret(namespace, name), name -> kube.freshSecret(namespace, name));
  }

  private SecretMasker maskerFor(FleetlmRelease release) {
    try {
      return secretsOf(release).masker();
    } catch (RuntimeException e) {
      return SecretMasker.urlCredentialsOnly();
    }
  }

  /** The kind of object the API server refused as invalid, if that is what happened. */
  private static Optional<String> refusedKind(Exception error) {
    if (!(error instanceof KubernetesClientException e)) {
      return Optional.empty();
    }
    if (e.getCode() != 422 && e.getCode() != 400) {
      return Optional.empty();
    }
    StatusDetails details = e.getStatus() == null ? null : e.getStatus().getDetails();
    String kind = details == null ? null : details.getKind();
    if (kind == null) {
      return Optional.empty();
    }
    return switch (kind.toLowerCase()) {
      case "job", "jobs" -> Optional.of("migration Job");
      case "deployment", "deployments" -> Optional.of("Deployment");
      default -> Optional.empty();
    };
  }

  private static String apiMessage(Exception error) {
    if (error instanceof KubernetesClientException e
        && e.getStatus() != null
        && e.getStatus().getMessage() != null) {
      return e.getStatus().getMessage();
    }
    return Objects.requireNonNullElse(error.getMessage(), error.getClass().getName());
  }
}
