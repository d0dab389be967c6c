package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.StatusDetails;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseStatus;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.ReleaseOutcome;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.config.OperatorConfig;
import io.fleetlm.operator.database.InvalidDatabaseUrlException;
import io.fleetlm.operator.database.SchemaHistoryReader;
import io.fleetlm.operator.kube.ClusterWiring;
import io.fleetlm.operator.kube.FleetlmNodes;
import io.fleetlm.operator.kube.KubernetesPort;
import io.fleetlm.operator.kube.MigrationJobState;
import io.fleetlm.operator.kube.MigrationPods;
import io.fleetlm.operator.kube.ReleaseEvent;
import io.fleetlm.operator.kube.ResourceNames;
import io.fleetlm.operator.observability.ReconcileSteps;
import io.fleetlm.operator.observability.ReconcileSteps.Step;
import io.fleetlm.operator.observability.ReleaseEvents;
import io.fleetlm.operator.observability.ReleaseGauges;
import io.fleetlm.operator.observability.ReleaseMetrics;
import io.fleetlm.operator.rollout.ClusterState;
import io.fleetlm.operator.rollout.MigrationPlanner;
import io.fleetlm.operator.rollout.MigrationProgress.Stage;
import io.fleetlm.operator.rollout.MigrationStep;
import io.fleetlm.operator.rollout.NodeRollProgress;
import io.fleetlm.operator.rollout.ReleaseHistory;
import io.fleetlm.operator.rollout.RolloutState;
import io.fleetlm.operator.secrets.MissingSecretException;
import io.fleetlm.operator.secrets.ReleaseSecrets;
import io.fleetlm.operator.secrets.SecretMasker;
import io.fleetlm.operator.status.StatusCalculator;
import io.fleetlm.operator.status.StatusInputs;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
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

  /** A requeue that follows at once: the pass after a newly written verification. */
  static final Duration AT_ONCE = Duration.ofMillis(1);

  private final KubernetesPort kube;
  private final MigrationExecutor executor;
  private final DeploymentSync deployments;
  private final ClusterNodeSync clusterNodes;
  private final ClusterSync clusters;
  private final ReleaseMetrics metrics;
  private final ReleaseGauges gauges;
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
      ReleaseGauges gauges,
      OperatorConfig config,
      String lockNamespace,
      LockWaiters waiters,
      FleetlmNodes nodes) {
    this.kube = kube;
    this.locks = new MigrationLocks(kube, lockNamespace, waiters);
    this.executor =
        new MigrationExecutor(
            kube,
            historyReader,
            new VerificationBackoff(
                config.verificationBackoff().initial(), config.verificationBackoff().max()),
            locks,
            new SchemaRechecks(config.resync()));
    this.deployments = new DeploymentSync(kube);
    this.clusterNodes = new ClusterNodeSync(kube, nodes, config.clusterStepDeadline());
    this.clusters = new ClusterSync(kube);
    this.metrics = metrics;
    this.gauges = gauges;
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

  Outcome reconcile(Observation cached) {
    ReconcileSteps steps = metrics.passStarted();
    // Observe: the database the spec's Secret names, and what the cache may not hold yet, are
    // read before anything is decided.
    FleetlmRelease release = cached.release();
    ReleaseSecrets secrets = secretsOf(release);
    Observation observation = completed(cached.withDatabase(databaseNamed(secrets)));
    steps.ended(Step.OBSERVE);

    // Decide (pure): which superseded Jobs to stop and the migration step.
    Plan plan = Plan.of(observation);
    LOG.debugf("%s: step %s", observation.name(), plan.step());

    // Act: every write to the cluster, and the claim on the database, before the status.
    for (Job stuck : plan.stuckJobs()) {
      kube.deleteJob(stuck);
      LOG.infof(
          "%s: stopped superseded migration Job %s: %s",
          observation.name(),
          stuck.getMetadata().getName(),
          MigrationPods.stall(observation.podsOf(stuck)).map(MigrationPods.Stall::reason));
    }
    if (plan.step().kind() == MigrationStep.Kind.CREATE_JOB) {
      // Made while the migration runs, so that only the Deployment write follows verification.
      clusters.ensureCookie(observation);
    }
    StepResult migration =
        executor.execute(observation, plan.step(), plan.targetJob(), plan.history(), secrets);
    releaseDatabase(observation, migration, plan.stoppedJobNames());
    steps.ended(Step.MIGRATION);
    int wanted = Objects.requireNonNullElse(release.getSpec().getReplicas(), 1);
    DeploymentSync.Result rollout;
    ClusterSync.Result cluster;
    Duration requeue;
    boolean operatorNodes =
        startsNodesItself(
            observation, migration.verifiedId(), verifiedImage(observation, migration));
    Optional<ClusterNodeSync.Result> nodesRollout = Optional.empty();
    if (migration.newlyVerified()) {
      // The verification is made durable by this pass's status write before any pod of the new
      // image can exist; the next pass, at once, rolls the Deployment. A restart in between
      // still knows the release is verified.
      rollout = new DeploymentSync.Result(observation.deployment(), List.of());
      if (operatorNodes) {
        nodesRollout =
            Optional.of(
                clusterNodes.observe(
                    observation, migration.verifiedId(), verifiedImage(observation, migration)));
      }
      cluster = clusters.sync(observation, false);
      requeue = AT_ONCE;
    } else {
      String verifiedImage = verifiedImage(observation, migration);
      boolean deploying =
          migration.verifiedId() != null && verifiedImage != null && !observation.paused();
      if (deploying) {
        ForeignObjects foreign = ForeignObjects.of(kube, observation);
        if (!foreign.conflicts().isEmpty()) {
          throw new ResourceConflictException(foreign.conflicts());
        }
        HandOvers.take(kube, release, foreign.handedOver());
        clusters.ensureCookie(observation);
        steps.ended(Step.OWNERSHIP);
      }
      Duration nodesRecheck = Duration.ZERO;
      if (operatorNodes) {
        rollout = new DeploymentSync.Result(Optional.empty(), List.of());
        ClusterNodeSync.Result nodes =
            clusterNodes.sync(observation, migration.verifiedId(), verifiedImage);
        nodesRollout = Optional.of(nodes);
        nodesRecheck = nodes.recheck();
      } else {
        rollout = deployments.sync(observation, migration.verifiedId(), verifiedImage);
      }
      steps.ended(Step.APP);
      cluster = clusters.sync(observation, deploying);
      steps.ended(Step.CLUSTER);
      requeue = sooner(requeueAfter(migration), nodesRecheck);
    }

    // Status: computed once, written once.
    RolloutState rolloutState =
        nodesRollout
            .map(ClusterNodeSync.Result::rollout)
            .orElseGet(() -> RolloutState.of(rollout.deployment(), wanted));
    FleetlmReleaseStatus status =
        statusOf(
            observation,
            migration,
            rolloutState,
            nodesRollout.map(ClusterNodeSync.Result::progress),
            cluster.state());
    FleetlmRelease written = release;
    if (awaitsDeploymentController(release.getStatus(), status, rolloutState)) {
      status = release.getStatus();
    } else {
      written = write(release, status);
    }

    steps.ended(Step.STATUS);

    // Announce: Events and metrics from how the written status differs from the one read.
    List<String> corrected = new ArrayList<>(rollout.corrected());
    corrected.addAll(cluster.corrected());
    announce(
        release,
        observation.previous(),
        status,
        written != release,
        corrected,
        plan.stoppedJobNames(),
        secrets,
        observation.now());
    steps.ended(Step.ANNOUNCE);
    return new Outcome(status, requeue, true, written == release ? null : written);
  }

  /**
   * Whether this release's FleetLM nodes are pods the operator starts itself ({@link
   * ClusterNodeSync}): clustered and the operator set to. A cluster a Deployment runs (made by an
   * earlier operator, or under clusterRoll deployment) stays with it until the Deployment would
   * roll (a new verified release, a changed pod template or replica count): the node roll then
   * takes it over, one node at a time, and an operator upgrade alone changes no pod.
   */
  private boolean startsNodesItself(
      Observation observation, String verifiedId, String verifiedImage) {
    FleetlmRelease release = observation.release();
    if (config.clusterRoll() != OperatorConfig.ClusterRoll.NODES) {
      return false;
    }
    // Nodes it started stay the node roll's until the last has gone, also once the spec asks for
    // no cluster (one replica, or none): a Deployment would start a FleetLM of its own beside them.
    if (!ClusterNodeSync.ownPods(kube, release).isEmpty()) {
      return true;
    }
    if (!ClusterWiring.enabled(release.getSpec())) {
      return false;
    }
    Optional<Deployment> live = observation.deployment();
    if (live.isEmpty()) {
      return true;
    }
    return verifiedId != null
        && verifiedImage != null
        && !observation.paused()
        && DeploymentSync.wouldRoll(live.get(), release, verifiedId, verifiedImage);
  }

  /** The earlier of two requeues, zero meaning none. */
  private static Duration sooner(Duration a, Duration b) {
    if (a.isZero()) {
      return b;
    }
    return b.isZero() || a.compareTo(b) <= 0 ? a : b;
  }

  private Duration requeueAfter(StepResult migration) {
    Duration requeue = migration.retryAfter();
    if (requeue.isZero()
        && (migration.progress().stage() == Stage.BLOCKED
            || migration.progress().stage() == Stage.WAITING)) {
      return config.blockedRecheck();
    }
    // Secrets are not watched: a DATABASE_URL changed in place is seen at the next resync.
    return requeue.isZero() ? config.resync() : requeue;
  }

  /**
   * The database the spec names now, as host:port/name; empty when the Secret is missing or its URL
   * is unusable (the migration step says which, if one is needed).
   */
  private static Optional<String> databaseNamed(ReleaseSecrets secrets) {
    try {
      return Optional.of(secrets.databaseUrl().identity());
    } catch (MissingSecretException | InvalidDatabaseUrlException e) {
      return Optional.empty();
    }
  }

  /**
   * The observation with what the informers may not have delivered yet: the target's Job when the
   * release's history says it was created, and the pods of a failed target Job, whose words say why
   * it failed.
   */
  private Observation completed(Observation cached) {
    FleetlmRelease release = cached.release();
    String namespace = release.getMetadata().getNamespace();
    String targetId = cached.targetId();
    Observation observation = cached;
    Optional<ReleaseRecord> record =
        ReleaseHistory.of(cached.previous().getHistory()).find(targetId);
    if (!cached.jobsById().containsKey(targetId)
        && record.isPresent()
        && !targetId.equals(cached.previous().getVerifiedMigrationId())) {
      // By the name the record holds: an older operator may have named it differently.
      String jobName =
          Objects.requireNonNullElseGet(
              record.get().jobName(), () -> ResourceNames.migrationJobName(release, targetId));
      Optional<Job> live = kube.job(namespace, jobName);
      if (live.isPresent()) {
        observation = observation.withJob(targetId, live.get());
      }
    }
    Job target = observation.jobsById().get(targetId);
    boolean failureRecorded =
        record.map(ReleaseRecord::outcome).orElse(null) == ReleaseOutcome.Failed;
    if (target != null
        && !failureRecorded
        && MigrationJobState.of(target).kind() == MigrationJobState.Kind.FAILED
        && observation.podsOf(target).isEmpty()) {
      // The pod informer may not have them; asked before concluding that the pod was deleted.
      String jobName = target.getMetadata().getName();
      observation = observation.withPods(jobName, kube.podsOfJob(namespace, jobName));
    }
    return observation;
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
    boolean conflict = error instanceof ResourceConflictException;
    Reason reason =
        conflict
            ? Reason.ResourceConflict
            : refusedKind.isPresent() ? Reason.InvalidPodTemplate : Reason.ReconcileError;
    String message =
        masker.mask(
            conflict
                ? error.getMessage()
                : refusedKind
                    .map(
                        kind ->
                            "the API server refused the "
                                + kind
                                + " built from this FleetlmRelease: "
                                + apiMessage(error)
                                + ". Fix the pod settings in spec (resources, env, labels,"
                                + " tolerations, nodeSelector); the Job and the Deployment use them")
                    .orElseGet(() -> error.getClass().getSimpleName() + ": " + apiMessage(error)));
    // Someone else's object stays until a person acts: Stalled at once, and looked at again with
    // the retry's backoff (it carries none of the operator's labels, so it is not watched).
    boolean stalled =
        conflict || refusedKind.isPresent() || attempt >= config.errorsBeforeStalled();
    LOG.warnf("%s/%s: %s", namespace, release.getMetadata().getName(), message);
    FleetlmReleaseStatus status = StatusCalculator.error(release, reason, message, stalled, now);
    FleetlmRelease written = write(release, status);
    kube.recordEvent(release, ReleaseEvent.warning(reason, message));
    if (written != release) {
      metrics.observe(release.getStatus(), status, now);
    }
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
      boolean recorded,
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
    if (recorded) {
      // Counted by the write that recorded the change: once, whatever passes see before or after.
      metrics.observe(before, after, now);
    }
    String schemaBefore = before == null ? null : before.getSchemaVersion();
    if (!Objects.equals(schemaBefore, after.getSchemaVersion())) {
      // Rebuilding the gauge reads every release: only when a schema version moved.
      gauges.refreshSchemaVersions(release, after.getSchemaVersion());
    }
  }

  private FleetlmReleaseStatus statusOf(
      Observation observation,
      StepResult migration,
      RolloutState rollout,
      Optional<NodeRollProgress> nodeRoll,
      ClusterState cluster) {
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
            observation.database().orElse(null),
            migration.history().find(targetId).map(ReleaseRecord::jobName).orElse(null),
            migration.progress(),
            rollout,
            nodeRoll,
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
   * The release's claim on a database ends with the last of its migrations that may still write: a
   * Job that has not ended, or one whose pod has not (a Job is marked Failed while its pod still
   * terminates, and a deleted Job's pod outlives it).
   */
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
    // A pod carries its Job's labels, and may outlive the Job's end or the Job itself.
    observation
        .podsByJob()
        .forEach(
            (jobName, pods) -> {
              if (!stopped.contains(jobName)) {
                pods.stream()
                    .filter(pod -> !MigrationPods.ended(pod))
                    .map(pod -> pod.getMetadata().getLabels().get(ResourceNames.LABEL_MIGRATION_ID))
                    .filter(Objects::nonNull)
                    .forEach(running::add);
              }
            });
    Stage stage = migration.progress().stage();
    if (stage == Stage.MIGRATING || stage == Stage.STALLED) {
      running.add(observation.targetId());
    }
    locks.releaseUnlessRunning(
        observation.release(), running, observation.targetId(), observation.database());
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
