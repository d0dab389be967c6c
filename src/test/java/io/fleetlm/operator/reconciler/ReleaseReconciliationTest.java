package io.fleetlm.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseStatus;
import io.fleetlm.operator.api.Phase;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.api.ReleaseOutcome;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.api.SchemaDriftPolicy;
import io.fleetlm.operator.config.OperatorConfig;
import io.fleetlm.operator.config.ProductionConfig;
import io.fleetlm.operator.database.DatabaseUrl;
import io.fleetlm.operator.kube.ClusterMemberFactory;
import io.fleetlm.operator.kube.DatabaseScope;
import io.fleetlm.operator.kube.FleetlmNodes;
import io.fleetlm.operator.kube.MigrationIdentity;
import io.fleetlm.operator.kube.MigrationLockLease;
import io.fleetlm.operator.kube.ReleaseEvent;
import io.fleetlm.operator.kube.ReleaseFixture;
import io.fleetlm.operator.kube.ResourceNames;
import io.fleetlm.operator.observability.ReleaseMetrics;
import io.fleetlm.operator.rollout.RaftConvergence;
import io.fleetlm.operator.rollout.RolloutState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole reconcile against an in-memory API server and database, in milliseconds: every branch
 * of the plan and of its execution, the order of the writes, the status and the Events. What only
 * the API server enforces is left to the integration tests.
 */
class ReleaseReconciliationTest {

  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final String PASSWORD = "db-pass-4f9a7c";
  private static final String KEY_BASE = "kb-b7e1c0ffee0123456789";
  private static final String V1 = "fleetlm:1";
  private static final String V2 = "fleetlm:2";
  private static final String FASTPACA = "fastpaca:1";

  /** What Elixir says when an image after FleetLM's rename evaluates the default migration. */
  private static final String FASTPACA_ERROR =
      "** (UndefinedFunctionError) function Fleetlm.Release.migrate/0 is undefined (module"
          + " Fleetlm.Release is not available)\n    Fleetlm.Release.migrate()\n"
          + "    (stdlib 4.2) erl_eval.erl:744: :erl_eval.do_apply/7";

  private final FakeSchemaHistoryReader database = new FakeSchemaHistoryReader();
  private FakeKubernetesPort kube;
  private ReleaseReconciliation reconciliation;
  private SimpleMeterRegistry meters;
  private Instant now = T0;

  @BeforeEach
  void setUp() {
    FleetlmRelease release = ReleaseFixture.release("chat", V1);
    release.getMetadata().setResourceVersion("1");
    release.getSpec().getMigration().setExpectedVersion("1001");
    kube = new FakeKubernetesPort(release);
    kube.secrets.put(
        "db",
        new SecretBuilder()
            .withNewMetadata()
            .withName("db")
            .endMetadata()
            .addToData("DATABASE_URL", base64("ecto://fleet:" + PASSWORD + "@db:5432/chat"))
            .addToData("SECRET_KEY_BASE", base64(KEY_BASE))
            .build());
    meters = new SimpleMeterRegistry();
    reconciliation = reconciliationWith(ROLLED_BY_A_DEPLOYMENT, new FakeFleetlmNodes());
  }

  /**
   * Most tests here are of the Deployment a clustered release runs as with clusterRoll deployment
   * (the fixture has 3 replicas); the default, nodes, is {@link #startingNodesItself()}.
   */
  private static final OperatorConfig ROLLED_BY_A_DEPLOYMENT =
      ProductionConfig.with(Map.of("fleetlm.operator.cluster-roll", "deployment"));

  private ReleaseReconciliation reconciliationWith(OperatorConfig config, FleetlmNodes nodes) {
    ReleaseMetrics metrics = new ReleaseMetrics(meters);
    return new ReleaseReconciliation(
        kube,
        database,
        metrics,
        metrics.gaugesOf(() -> Stream.ofNullable(kube.current())),
        config,
        "fleetlm-system",
        new LockWaiters(),
        nodes);
  }

  @Test
  void firstInstallCreatesOneJobAndNoDeployment() {
    reconcile();
    reconcile();

    assertThat(kube.jobs).hasSize(1);
    assertThat(kube.calls).filteredOn(c -> c.startsWith("createJob")).hasSize(1);
    assertThat(kube.deployments).isEmpty();
    FleetlmReleaseStatus status = status();
    assertThat(status.getPhase()).isEqualTo(Phase.Migrating);
    assertThat(status.getHistory())
        .singleElement()
        .extracting(r -> r.outcome())
        .isEqualTo(ReleaseOutcome.Migrating);
    assertThat(reasons()).containsExactly("MigrationRunning");
  }

  @Test
  void everyPassTimesItsStepsAndOnlyTheDeployingOneReadsForSomeoneElsesObjects() {
    reconcile();
    assertThat(stepCount("observe")).isEqualTo(1);
    assertThat(stepCount("migration")).isEqualTo(1);
    assertThat(stepCount("status")).isEqualTo(1);
    assertThat(stepCount("announce")).isEqualTo(1);
    assertThat(stepCount("ownership")).as("nothing of the app is written yet").isZero();

    kube.finishJob(jobName(), true, null, 0);
    database.applied("1000", "1001");
    pass();
    pass();

    assertThat(stepCount("observe")).isEqualTo(3);
    assertThat(stepCount("ownership")).as("the pass that writes the Deployment").isEqualTo(1);
    assertThat(stepCount("app")).isEqualTo(2);
    assertThat(stepCount("cluster")).isEqualTo(2);
  }

  private long stepCount(String step) {
    var timer = meters.find("fleetlm_reconcile_step_seconds").tag("step", step).timer();
    return timer == null ? 0 : timer.count();
  }

  @Test
  void verificationIsWrittenBeforeTheDeploymentThenEventsFollowTheWrites() {
    reconcile();
    kube.finishJob(jobName(), true, null, 0);
    database.applied("1000", "1001");
    kube.calls.clear();

    ReleaseReconciliation.Outcome verifying = pass();

    assertThat(kube.calls)
        .as("the pass that verifies writes only the status (the database's Lease is kept)")
        .containsExactly("writeStatus RollingOut", "event MigrationsVerified");
    assertThat(verifying.requeueAfter()).isEqualTo(ReleaseReconciliation.AT_ONCE);
    assertThat(kube.events.get(kube.events.size() - 1).message())
        .as("one Event for the verification and the phase it leads to")
        .contains("Migrating -> RollingOut");
    assertThat(kube.statusWrites.get(kube.statusWrites.size() - 1).getVerifiedMigrationId())
        .as("verification recorded by the write before the Deployment")
        .isEqualTo(targetId());

    kube.calls.clear();
    pass();
    assertThat(kube.calls)
        .as("the next pass rolls out; the status it computes is the one written")
        .containsExactly(
            "applyDeployment chat",
            "applyService chat",
            "applyService chat-headless",
            "applyDisruptionBudget chat");
    Deployment deployment = kube.deployments.get("chat");
    assertThat(RolloutState.imageOf(deployment)).isEqualTo(V1);

    rollOutFully();
    assertThat(status().getPhase()).isEqualTo(Phase.Ready);
    assertThat(condition("Ready").getMessage()).contains("verified and rolled out");
    assertThat(
            meters
                .get("fleetlm_migration_duration_seconds")
                .tag("outcome", "succeeded")
                .timer()
                .count())
        .isEqualTo(1);
  }

  @Test
  void aMigrationThatFailsBeforeItsStartIsWrittenIsCountedOnce() {
    // The pass that creates the Job loses its status write (someone edited the release).
    FleetlmRelease before = kube.current();
    kube.editRelease(r -> r.getMetadata().setLabels(Map.of("edited", "yes")));
    assertThatThrownBy(() -> reconcileFrom(before)).isInstanceOf(KubernetesClientException.class);
    assertThat(kube.jobs).hasSize(1);
    kube.finishJob(jobName(), false, "** (Postgrex.Error) boom", 1);

    reconcile();
    reconcile();

    assertThat(status().getPhase()).isEqualTo(Phase.Failed);
    assertThat(failedMigrations()).as("counted though its start was never recorded").isEqualTo(1);
  }

  @Test
  void aMigrationFailureIsCountedOnceByTheWriteThatRecordsIt() {
    reconcile();
    kube.finishJob(jobName(), false, "** (Postgrex.Error) boom", 1);
    now = now.plusSeconds(8);

    reconcile();
    reconcile();
    reconcileFrom(kube.current());

    assertThat(status().getPhase()).isEqualTo(Phase.Failed);
    assertThat(failedMigrations()).isEqualTo(1);
  }

  @Test
  void anOperatorThatStopsBeforeRecordingAFailureLeavesItToBeCountedOnceByTheNext() {
    reconcile();
    kube.finishJob(jobName(), false, "** (Postgrex.Error) boom", 1);
    kube.failStatusWrite = () -> new IllegalStateException("the operator stops here");
    assertThatThrownBy(this::pass).hasMessageContaining("stops here");
    assertThat(failedMigrations()).as("nothing recorded, nothing counted").isZero();
    kube.failStatusWrite = null;

    reconcile();
    reconcile();

    assertThat(status().getPhase()).isEqualTo(Phase.Failed);
    assertThat(failedMigrations()).isEqualTo(1);
  }

  private long failedMigrations() {
    var timer = meters.find("fleetlm_migration_duration_seconds").tag("outcome", "failed").timer();
    return timer == null ? 0 : timer.count();
  }

  @Test
  void aSuccessfulJobWithMissingVersionsFailsAndDeploysNothing() {
    reconcile();
    kube.finishJob(jobName(), true, null, 0);
    database.applied("1000");

    reconcile();
    reconcile();

    assertThat(status().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition("MigrationsVerified").getReason()).isEqualTo("MigrationsMissing");
    assertThat(condition("Stalled").getStatus()).isEqualTo("True");
    assertThat(kube.deployments).isEmpty();
    assertThat(database.reads).as("a failed verification is not repeated").isEqualTo(1);
    assertThat(
            meters
                .get("fleetlm_release_failures_total")
                .tag("reason", "MigrationsMissing")
                .counter()
                .count())
        .isEqualTo(1.0);
  }

  @Test
  void anUnreachableDatabaseIsRetriedWithGrowingDelaysAndNoSecretInTheStatus() {
    reconcile();
    kube.finishJob(jobName(), true, null, 0);
    database.down("connection to ecto://fleet:" + PASSWORD + "@db:5432 refused");

    Duration first = reconcile().requeueAfter();
    Duration second = reconcile().requeueAfter();

    assertThat(first).isEqualTo(Duration.ofSeconds(5));
    assertThat(second).isEqualTo(Duration.ofSeconds(10));
    assertThat(status().getPhase()).isEqualTo(Phase.Verifying);
    assertThat(condition("MigrationsVerified").getReason()).isEqualTo("DatabaseUnreachable");
    assertThat(condition("Stalled").getStatus()).isEqualTo("False");
    assertThat(json(status())).doesNotContain(PASSWORD);

    database.applied("1001");
    assertThat(reconcile().requeueAfter())
        .as("no more retries: only the resync, which would see a DATABASE_URL changed in place")
        .isEqualTo(ProductionConfig.defaults().resync());
    assertThat(status().getVerifiedMigrationId()).isEqualTo(targetId());
  }

  @Test
  void aFailedMigrationReportsTheContainersMessageWithSecretsMasked() {
    reconcile();
    kube.finishJob(
        jobName(),
        false,
        "** (RuntimeError) could not boot: SECRET_KEY_BASE="
            + KEY_BASE
            + " DATABASE_URL password "
            + PASSWORD,
        1);

    reconcile();

    FleetlmReleaseStatus status = status();
    assertThat(status.getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition("MigrationSucceeded").getReason()).isEqualTo("MigrationJobFailed");
    assertThat(status.getFailureMessage()).contains("exit code 1", "could not boot");
    assertThat(json(status)).doesNotContain(KEY_BASE).doesNotContain(PASSWORD);
    assertThat(kube.events).allSatisfy(e -> assertThat(e.message()).doesNotContain(KEY_BASE));
    assertThat(reasons()).contains("MigrationJobFailed");

    assertThat(status().getHistory().get(0).output())
        .as("the container's last words, kept beyond the Job")
        .contains("could not boot")
        .doesNotContain(KEY_BASE);

    kube.calls.clear();
    reconcile();
    assertThat(kube.calls).as("a failed release starts nothing again").isEmpty();
  }

  @Test
  void anImageWithoutFleetlmsReleaseHelperIsUnsupportedAndTheMessageSaysWhatToSet() {
    reconcile();
    kube.finishJob(jobName(), false, FASTPACA_ERROR, 1);

    reconcile();

    assertThat(status().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition("Ready").getReason()).isEqualTo("UnsupportedImage");
    assertThat(condition("Stalled").getStatus()).isEqualTo("True");
    assertThat(condition("Ready").getMessage())
        .contains("has no Fleetlm.Release")
        .contains("spec.migration.args")
        .contains("Fastpaca.ReleaseTasks.migrate()")
        .as("the evidence, the container's own words")
        .contains("(module Fleetlm.Release is not available)");
    assertThat(lastEvent("UnsupportedImage").warning()).isTrue();
  }

  @Test
  void aRollbackWithAnImageKnownToLackTheHelperIsRefusedWithoutAJob() {
    installReady();
    edit(r -> r.getSpec().setImage(FASTPACA));
    reconcile();
    kube.finishJob(jobName(), false, FASTPACA_ERROR, 1);
    reconcile();
    // What the message says to do: the image's own migration command, and a new run.
    edit(
        r -> {
          r.getSpec().getMigration().setArgs(List.of("eval", "Fastpaca.ReleaseTasks.migrate()"));
          r.getSpec().getMigration().setExpectedVersion("1002");
        });
    migrateAndRollOut("1000", "1001", "1002");
    assertThat(RolloutState.imageOf(kube.deployments.get("chat"))).isEqualTo(FASTPACA);

    edit(
        r -> {
          r.getSpec().setImage(V1);
          r.getSpec().getMigration().setArgs(null);
          r.getSpec().getMigration().setExpectedVersion("1001");
          r.getSpec().getMigration().setRollbackTo("1001");
        });
    kube.calls.clear();
    reconcile();

    assertThat(kube.calls).noneMatch(c -> c.startsWith("createJob"));
    assertThat(condition("Ready").getReason()).isEqualTo("UnsupportedImage");
    assertThat(condition("Ready").getMessage())
        .contains(FASTPACA + " has no Fleetlm.Release.rollback/2")
        .contains("spec.migration.rollbackImage");
    assertThat(RolloutState.imageOf(kube.deployments.get("chat"))).isEqualTo(FASTPACA);
  }

  @Test
  void aRunningJobOfAnEarlierSpecThatTheHistoryLostIsRecordedAsSuperseded() {
    reconcile();
    String first = jobName();
    // The status write that recorded it lost to a spec change (409), or the operator stopped.
    kube.stored.getStatus().setHistory(new java.util.ArrayList<>());
    edit(r -> r.getSpec().setImage(V2));

    reconcile();

    assertThat(status().getHistory())
        .filteredOn(r -> first.equals(r.jobName()))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.image()).isEqualTo(V1);
              assertThat(r.outcome()).isEqualTo(ReleaseOutcome.Superseded);
            });
    assertThat(condition("Ready").getReason()).isEqualTo("WaitingForSupersededMigration");
  }

  @Test
  void aReleaseWithoutAPublicHostSaysSoInItsWarningsAndInOneWarningEvent() {
    edit(r -> r.getSpec().setPublicHost(null));
    reconcile();
    reconcile();

    assertThat(status().getWarnings())
        .singleElement()
        .asString()
        .contains("spec.publicHost is not set")
        .contains("403");
    assertThat(kube.events).filteredOn(e -> e.reason() == Reason.SpecWarning).hasSize(1);
    assertThat(lastEvent("SpecWarning").warning()).isTrue();

    edit(r -> r.getSpec().setPublicHost("chat.example.com"));
    reconcile();
    assertThat(status().getWarnings()).isEmpty();
  }

  @Test
  void whatASuccessfulMigrationLeftIsKeptInTheHistory() {
    reconcile();
    kube.finishJob(jobName(), true, "migrated 1001 in 0.2s", 0);
    database.applied("1001");

    reconcile();
    kube.jobs.clear();
    reconcile();

    assertThat(status().getHistory().get(0).output()).isEqualTo("migrated 1001 in 0.2s");
  }

  @Test
  void aMigrationPodDeletedWhileRunningIsNamedAsTheCause() {
    reconcile();
    kube.finishJob(jobName(), false, null, 0);
    kube.podsByJob.clear();

    reconcile();

    assertThat(condition("Stalled").getReason()).isEqualTo("MigrationPodDeleted");
    assertThat(condition("Stalled").getMessage()).contains("pod was deleted");
  }

  @Test
  void everyWayAMigrationJobFailsIsCountedAsAFailedMigration() {
    // Before reasons were typed, the metric knew two of them: a pod deleted mid-run was lost.
    reconcile();
    kube.finishJob(jobName(), false, null, 0);
    kube.podsByJob.clear();

    reconcile();

    assertThat(condition("Stalled").getReason()).isEqualTo("MigrationPodDeleted");
    assertThat(
            meters
                .get("fleetlm_migration_duration_seconds")
                .tag("outcome", "failed")
                .timer()
                .count())
        .isEqualTo(1);
    assertThat(
            meters
                .get("fleetlm_release_failures_total")
                .tag("reason", "MigrationPodDeleted")
                .counter()
                .count())
        .isEqualTo(1.0);
  }

  @Test
  void aJobCreatedJustBeforeARestartIsAdoptedNotCreatedAgain() {
    reconcile();
    // The operator died after creating the Job and before writing the status that records it.
    kube.stored.setStatus(null);
    kube.calls.clear();

    reconcile();

    assertThat(kube.calls).noneMatch(c -> c.startsWith("createJob"));
    assertThat(status().getHistory())
        .singleElement()
        .satisfies(r -> assertThat(r.jobName()).isEqualTo(jobName()));
    assertThat(status().getPhase()).isEqualTo(Phase.Migrating);
  }

  @Test
  void anUnusableDatabaseUrlBlocksWithoutShowingIt() {
    kube.secrets.get("db").getData().put("DATABASE_URL", base64("mysql://u:" + PASSWORD + "@h/d"));

    reconcile();

    assertThat(kube.jobs).isEmpty();
    assertThat(condition("Stalled").getReason()).isEqualTo("InvalidDatabaseUrl");
    assertThat(json(status())).doesNotContain(PASSWORD);
  }

  @Test
  void noJobStartsWhileTheDatabaseDoesNotAnswerAndItIsNotAFailure() {
    database.down("connection refused");

    Duration first = reconcile().requeueAfter();

    assertThat(kube.jobs).isEmpty();
    assertThat(first).isEqualTo(Duration.ofSeconds(5));
    assertThat(condition("Ready").getReason()).isEqualTo("DatabaseUnreachable");
    assertThat(condition("Stalled").getStatus()).isEqualTo("False");
    assertThat(condition("Reconciling").getStatus()).isEqualTo("True");
    assertThat(status().getPhase()).isEqualTo(Phase.Pending);

    database.up();
    reconcile();
    assertThat(kube.jobs).hasSize(1);
  }

  @Test
  void refusedCredentialsStallBeforeAnyJob() {
    database.refusesCredentials();

    reconcile();

    assertThat(kube.jobs).isEmpty();
    assertThat(condition("Stalled").getReason()).isEqualTo("DatabaseAuthFailed");
    assertThat(condition("Stalled").getMessage()).contains("fix the Secret");
    assertThat(json(status())).doesNotContain(PASSWORD);
  }

  @Test
  void aMissingSecretBlocksBeforeAnyJobAndIsCheckedAgainLater() {
    kube.secrets.clear();

    Duration requeue = reconcile().requeueAfter();

    assertThat(kube.jobs).isEmpty();
    assertThat(requeue).isEqualTo(Duration.ofSeconds(30));
    assertThat(condition("Stalled").getReason()).isEqualTo("SecretNotFound");
    assertThat(condition("Stalled").getMessage()).contains("Secret db");
  }

  @Test
  void aNewImageWaitsWhileTheSupersededMigrationRunsAndItsImageIsNeverDeployed() {
    reconcile();
    String firstJob = jobName();
    edit(r -> r.getSpec().setImage(V2));

    reconcile();

    assertThat(kube.jobs).hasSize(1);
    assertThat(condition("Ready").getReason()).isEqualTo("WaitingForSupersededMigration");
    assertThat(status().getHistory())
        .filteredOn(r -> r.image().equals(V1))
        .singleElement()
        .extracting(r -> r.outcome())
        .isEqualTo(ReleaseOutcome.Superseded);

    kube.finishJob(firstJob, true, null, 0);
    database.applied("1001");
    reconcile();
    assertThat(kube.jobs).hasSize(2);
    assertThat(kube.deployments).as("the superseded release is never deployed").isEmpty();
  }

  @Test
  void aPodThatCannotPullItsImageStallsAtOnceWithTheKubeletsWords() {
    reconcile();
    kube.podWaiting(
        jobName(), "ErrImageNeverPull", "image fleetlm:1 is not present with pull policy Never");

    reconcile();

    assertThat(condition("Stalled").getStatus()).isEqualTo("True");
    assertThat(condition("Stalled").getReason()).isEqualTo("ImagePullFailed");
    assertThat(condition("Stalled").getMessage())
        .contains("ErrImageNeverPull: image fleetlm:1 is not present")
        .contains("Fix spec.image");
    assertThat(status().getHistory().get(0).outcome())
        .as("the Job still runs: not a failed migration")
        .isEqualTo(ReleaseOutcome.Migrating);
    assertThat(lastEvent("ImagePullFailed").warning()).isTrue();
  }

  @Test
  void aFixedSpecStopsTheStuckSupersededMigrationAndStartsItsOwnAtOnce() {
    reconcile();
    String stuck = jobName();
    kube.podWaiting(stuck, "ErrImagePull", "pull access denied");
    reconcile();

    edit(r -> r.getSpec().setImage(V2));
    reconcile();

    assertThat(kube.calls).contains("deleteJob " + stuck);
    assertThat(kube.jobs).containsOnlyKeys(jobName());
    assertThat(reasons()).contains("SupersededMigrationStopped");
    assertThat(status().getPhase()).isEqualTo(Phase.Migrating);
  }

  @Test
  void aSupersededMigrationThatStartedIsNeverStopped() {
    reconcile();
    String running = jobName();
    edit(r -> r.getSpec().setImage(V2));

    reconcile();

    assertThat(kube.calls).noneMatch(c -> c.startsWith("deleteJob"));
    assertThat(kube.jobs).containsOnlyKeys(running);
    assertThat(condition("Ready").getReason()).isEqualTo("WaitingForSupersededMigration");
  }

  @Test
  void pausedStartsNoMigrationAndSaysReadyFalseReconcilingTrue() {
    edit(r -> r.getSpec().setPaused(true));

    reconcile();

    assertThat(kube.jobs).isEmpty();
    assertThat(condition("Ready").getStatus()).isEqualTo("False");
    assertThat(condition("Ready").getReason()).isEqualTo("Paused");
    assertThat(condition("Reconciling").getStatus()).isEqualTo("True");
    assertThat(condition("Paused").getStatus()).isEqualTo("True");
    assertThat(reasons()).contains("Paused");

    edit(r -> r.getSpec().setPaused(false));
    reconcile();
    assertThat(kube.jobs).hasSize(1);
    assertThat(reasons()).contains("Resumed");
  }

  @Test
  void pausedLeavesAnEditedDeploymentAloneAndIsNotReady() {
    installReady();
    edit(r -> r.getSpec().setPaused(true));
    kube.editDeployment("chat", d -> d.getSpec().setReplicas(0));
    kube.calls.clear();

    reconcile();

    assertThat(kube.calls).noneMatch(c -> c.startsWith("applyDeployment"));
    assertThat(condition("Ready").getStatus()).isEqualTo("False");
    assertThat(condition("Ready").getReason()).isEqualTo("Paused");
  }

  @Test
  void aJobDeletedWhileRunningIsNamedAsTheCauseWhenTheDatabaseLacksTheMigrations() {
    reconcile();
    kube.jobs.clear();
    database.noTable();

    reconcile();

    assertThat(status().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition("Stalled").getReason()).isEqualTo("MigrationJobDeleted");
    assertThat(condition("Stalled").getMessage())
        .contains("was deleted before it finished")
        .contains("spec.migration.runId");
    assertThat(kube.jobs).as("never a second migration").isEmpty();
  }

  @Test
  void aJobDeletedWhileRunningWhoseMigrationsAreInPlaceRollsOut() {
    reconcile();
    kube.jobs.clear();
    database.applied("1001");

    reconcile();

    assertThat(status().getVerifiedMigrationId()).isEqualTo(targetId());
    assertThat(kube.deployments).containsKey("chat");
    assertThat(kube.jobs).isEmpty();
  }

  @Test
  void aScaledDeploymentIsPutBackWithAnEventAndIsNotReadyUntilRolledOutAgain() {
    installReady();
    kube.editDeployment("chat", d -> d.getSpec().setReplicas(0));
    kube.rollOut("chat");

    reconcile();

    assertThat(kube.deployments.get("chat").getSpec().getReplicas())
        .as("a FleetLM cluster grows back one node at a time")
        .isEqualTo(1);
    assertThat(condition("Ready").getStatus()).isEqualTo("False");
    ReleaseEvent drift = lastEvent("DriftCorrected");
    assertThat(drift.warning()).isTrue();
    assertThat(drift.message()).contains("spec.replicas: 0, want 3");

    rollOutFully();
    assertThat(condition("Ready").getStatus()).isEqualTo("True");
    assertThat(kube.events).filteredOn(e -> e.reason() == Reason.DriftCorrected).hasSize(1);
  }

  @Test
  void anUnverifiedImageOrMigrateOnBootTrueIsPutBack() {
    installReady();
    kube.editDeployment(
        "chat",
        d -> {
          var container = d.getSpec().getTemplate().getSpec().getContainers().get(0);
          container.setImage("evil:latest");
          container.getEnv().stream()
              .filter(e -> e.getName().equals("MIGRATE_ON_BOOT"))
              .forEach(e -> e.setValue("true"));
        });

    reconcile();

    Deployment repaired = kube.deployments.get("chat");
    assertThat(RolloutState.imageOf(repaired)).isEqualTo(V1);
    assertThat(repaired.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .contains(new EnvVar("MIGRATE_ON_BOOT", "false", null));
    assertThat(lastEvent("DriftCorrected").message())
        .contains("image: evil:latest, want " + V1)
        .contains("env[MIGRATE_ON_BOOT].value: true, want false");
  }

  @Test
  void aDeletedDeploymentIsCreatedAgain() {
    installReady();
    kube.deployments.clear();

    reconcile();

    assertThat(kube.deployments).containsKey("chat");
    assertThat(lastEvent("DriftCorrected").message()).contains("deleted");
  }

  @Test
  void whileANewReleaseMigratesTheOldDeploymentIsOnlyRepairedWhereItIsUnsafe() {
    installReady();
    edit(
        r -> {
          r.getSpec().setImage(V2);
          r.getSpec().setEnv(List.of(new EnvVar("POOL_SIZE", "5", null)));
        });
    kube.calls.clear();
    reconcile();
    assertThat(kube.calls).noneMatch(c -> c.startsWith("applyDeployment"));

    kube.editDeployment("chat", d -> d.getSpec().setReplicas(1));
    kube.rollOut("chat");
    reconcile();

    Deployment repaired = kube.deployments.get("chat");
    assertThat(repaired.getSpec().getReplicas()).as("one node more, not two at once").isEqualTo(2);
    assertThat(RolloutState.imageOf(repaired)).as("still the verified image").isEqualTo(V1);
  }

  @Test
  void aPodTemplateTheApiServerRefusesStallsAtOnceWithItsMessageAndIsNotRetried() {
    installReady();
    edit(r -> r.getSpec().setReplicas(4));
    kube.failApply = () -> refused("Deployment", "spec.template.spec.nodeSelector: Invalid value");

    RuntimeException error = assertThrowsFrom(this::reconcile);
    ReleaseReconciliation.Outcome outcome = reconciliation.failed(kube.current(), error, 1, now);

    assertThat(outcome.retry()).isFalse();
    assertThat(condition("Stalled").getReason()).isEqualTo("InvalidPodTemplate");
    assertThat(condition("Stalled").getMessage())
        .contains("the API server refused the Deployment")
        .contains("nodeSelector: Invalid value");
    assertThat(lastEvent("InvalidPodTemplate").warning()).isTrue();
  }

  @Test
  void otherErrorsAreRetriedAndStallOnlyAfterSeveralAttempts() {
    installReady();
    RuntimeException boom = new KubernetesClientException("etcd timeout", 500, null);

    reconciliation.failed(kube.current(), boom, 1, now);
    assertThat(condition("Stalled").getStatus()).isEqualTo("False");
    assertThat(condition("Reconciling").getStatus()).isEqualTo("True");
    assertThat(condition("Ready").getReason()).isEqualTo("ReconcileError");

    ReleaseReconciliation.Outcome third = reconciliation.failed(kube.current(), boom, 3, now);
    assertThat(third.retry()).isTrue();
    assertThat(condition("Stalled").getStatus()).isEqualTo("True");
    assertThat(status().getVerifiedMigrationId()).as("nothing else is lost").isEqualTo(targetId());
  }

  @Test
  void aConflictWritesNothingAndIsRetried() {
    installReady();
    int writes = kube.statusWrites.size();
    ReleaseReconciliation.Outcome outcome =
        reconciliation.failed(
            kube.current(), new KubernetesClientException("conflict", 409, null), 1, now);
    assertThat(outcome.retry()).isTrue();
    assertThat(kube.statusWrites).hasSize(writes);
  }

  @Test
  void aStatusWriteThatLosesToAnEditIsAConflictRetriedFromTheEditedRelease() {
    FleetlmRelease cached = kube.current();
    edit(r -> r.getSpec().setReplicas(5));

    assertThatThrownBy(() -> reconcileFrom(cached))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    ReleaseReconciliation.Outcome outcome =
        reconciliation.failed(cached, new KubernetesClientException("conflict", 409, null), 1, now);
    assertThat(outcome.retry()).isTrue();
    assertThat(kube.statusWrites).as("nothing written from the stale release").isEmpty();

    reconcile();
    assertThat(status().getObservedGeneration())
        .isEqualTo(kube.current().getMetadata().getGeneration());
    assertThat(kube.jobs).as("one migration Job, not one per attempt").hasSize(1);
  }

  @Test
  void aReleaseDeletedMidReconcileEndsWithoutAStatus() {
    FleetlmRelease cached = kube.current();
    kube.deleteRelease();

    assertThatThrownBy(() -> reconcileFrom(cached))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(404));
    ReleaseReconciliation.Outcome outcome =
        reconciliation.failed(cached, new KubernetesClientException("gone", 404, null), 1, now);
    assertThat(outcome.retry()).as("nothing left to reconcile").isFalse();
    assertThat(outcome.status()).isNull();
  }

  @Test
  void aClusterOfThreeStartsWithOnePodAndAddsTheNextOnlyWhenAllAreReady() {
    reconcile();
    kube.finishJob(jobName(), true, null, 0);
    database.applied("1000", "1001");
    reconcile();
    assertThat(asked()).isEqualTo(1);

    reconcile();
    assertThat(asked()).as("the first pod is not ready yet").isEqualTo(1);

    kube.rollOut("chat");
    reconcile();
    assertThat(asked()).isEqualTo(2);
    assertThat(status().getPhase()).isEqualTo(Phase.RollingOut);

    kube.rollOut("chat");
    reconcile();
    assertThat(asked()).isEqualTo(3);

    kube.rollOut("chat");
    reconcile();
    assertThat(status().getPhase()).isEqualTo(Phase.Ready);
    assertThat(kube.events).noneMatch(e -> e.reason() == Reason.DriftCorrected);
  }

  /**
   * With clusterRoll=nodes: no Deployment; one node's pod at a time, each started only once every
   * node before it joined its groups (FleetLM's ready?()) and the groups agree, each named above
   * the ones before; Ready once three have joined.
   */
  @Test
  void withClusterRollNodesEachNodeStartsOnlyOnceFleetlmSaysTheLastChangeIsDone() {
    FakeFleetlmNodes nodes = startingNodesItself();
    reconcile();
    kube.finishJob(jobName(), true, null, 0);
    database.applied("1000", "1001");
    reconcile();
    reconcile();
    assertThat(kube.clusterNodes).containsOnlyKeys("chat-00001");
    assertThat(kube.deployments).isEmpty();

    reconcile();
    assertThat(kube.clusterNodes).as("the first node has no IP yet").hasSize(1);
    kube.runNode("chat-00001", "10.0.0.1");
    ReleaseReconciliation.Outcome waiting = pass();
    assertThat(kube.clusterNodes).as("it has not joined its groups").hasSize(1);
    assertThat(waiting.requeueAfter())
        .as("FleetLM's answer is polled")
        .isEqualTo(ClusterNodeSync.RECHECK);
    assertThat(nodes.asked).contains("joined chat-00001");

    joinWithGroupsOf(nodes, "chat-00001", "fleetlm_00001@10.0.0.1");
    reconcile();
    assertThat(kube.clusterNodes).containsOnlyKeys("chat-00001", "chat-00002");
    assertThat(clusterNodesOf("chat-00002"))
        .isEqualTo("fleetlm_00001@10.0.0.1,fleetlm_00002@$(POD_IP)");

    kube.runNode("chat-00002", "10.0.0.2");
    joinWithGroupsOf(nodes, "chat-00002", "fleetlm_00001@10.0.0.1,fleetlm_00002@10.0.0.2");
    reconcile();
    assertThat(kube.clusterNodes).as("chat-00001 still answers for a group of one").hasSize(2);
    joinWithGroupsOf(nodes, "chat-00001", "fleetlm_00001@10.0.0.1,fleetlm_00002@10.0.0.2");
    reconcile();
    assertThat(kube.clusterNodes).containsOnlyKeys("chat-00001", "chat-00002", "chat-00003");

    kube.runNode("chat-00003", "10.0.0.3");
    String three = "fleetlm_00001@10.0.0.1,fleetlm_00002@10.0.0.2,fleetlm_00003@10.0.0.3";
    for (String pod : List.of("chat-00001", "chat-00002", "chat-00003")) {
      joinWithGroupsOf(nodes, pod, three);
    }
    reconcile();
    assertThat(status().getPhase()).isEqualTo(Phase.Ready);
    assertThat(status().getReadyReplicas()).isEqualTo(3);
  }

  /**
   * The node roll takes over a cluster that a Deployment runs (one an earlier operator made) only
   * when the Deployment would roll: an operator upgrade alone changes no pod. At the next release
   * each of the Deployment's nodes leaves as the Deployment keeps one pod fewer, a node named above
   * DNSPoll's names joins with the ones left as its peers, never fewer than two nodes nor more than
   * three, and the emptied Deployment is deleted.
   */
  @Test
  void theNextReleaseMovesAClusterOffItsDeploymentOneNodeAtATime() {
    installReady();
    kube.runDeploymentPods("chat", "10.0.1.1", "10.0.1.2", "10.0.1.3");
    FakeFleetlmNodes nodes = startingNodesItself();
    kube.calls.clear();
    reconcile();
    assertThat(kube.calls).noneMatch(c -> c.contains("Deployment") || c.contains("Pod "));
    assertThat(nodes.asked).as("nothing to ask while nothing changes").isEmpty();

    edit(
        r -> {
          r.getSpec().setImage(V2);
          r.getSpec().getMigration().setExpectedVersion("1002");
        });
    reconcile();
    kube.finishJob(jobName(), true, null, 0);
    database.applied("1000", "1001", "1002");
    kube.calls.clear();
    for (int pass = 0; pass < 40 && status().getPhase() != Phase.Ready; pass++) {
      List<String> running = settle(nodes);
      assertThat(running.size()).as("nodes running: " + running).isBetween(2, 3);
      reconcile();
    }

    assertThat(status().getPhase()).isEqualTo(Phase.Ready);
    assertThat(kube.calls)
        .filteredOn(c -> c.contains("Deployment") || c.contains("Pod "))
        .containsExactly(
            "scaleDeployment chat 2",
            "createPod chat-00001",
            "scaleDeployment chat 1",
            "createPod chat-00002",
            "scaleDeployment chat 0",
            "deleteDeployment chat",
            "createPod chat-00003");
    assertThat(clusterNodesOf("chat-00001"))
        .as("its peers: the Deployment's nodes left, by DNSPoll's names")
        .isEqualTo("fleetlm@10.0.1.1,fleetlm@10.0.1.2,fleetlm_00001@$(POD_IP)");
    assertThat(kube.deployments).isEmpty();
  }

  /**
   * Ready, RolledOut and ClusterConverging say only what FleetLM said: not Ready while a group of
   * the three joined nodes is short of a member; then, in a roll, a group that keeps the departed
   * node holds the roll and, past the step deadline, stalls the release with a reason naming the
   * group; once the group lets the node go (by hand), the roll goes on by itself.
   */
  @Test
  void withClusterRollNodesStatusSaysWhatFleetlmSaysAndAStuckGroupStallsTheRollNamingIt() {
    FakeFleetlmNodes nodes = startingNodesItself();
    String three = "fleetlm_00001@10.0.0.1,fleetlm_00002@10.0.0.2,fleetlm_00003@10.0.0.3";
    startJoined(nodes, "chat-00001", "10.0.0.1", "fleetlm_00001@10.0.0.1");
    startJoined(nodes, "chat-00002", "10.0.0.2", "fleetlm_00001@10.0.0.1,fleetlm_00002@10.0.0.2");
    startJoined(nodes, "chat-00003", "10.0.0.3", three);
    joinWithGroupsOf(nodes, "chat-00003", "fleetlm_00002@10.0.0.2,fleetlm_00003@10.0.0.3");
    reconcile();
    assertThat(condition("Ready").getStatus())
        .as("chat-00003 answers for a group of two: %s", condition("Ready").getMessage())
        .isEqualTo("False");
    assertThat(condition("ClusterConverging").getStatus()).isEqualTo("True");
    assertThat(condition("ClusterConverging").getMessage())
        .contains("Raft group 0")
        .contains("2 of 3 members");
    assertThat(condition("Ready").getMessage())
        .contains("3/3 FleetLM nodes of the current release have joined their Raft groups")
        .doesNotContain("Deployment");

    joinWithGroupsOf(nodes, "chat-00003", three);
    reconcile();
    assertThat(status().getPhase()).isEqualTo(Phase.Ready);
    assertThat(condition("ClusterConverging").getStatus()).isEqualTo("False");
    assertThat(condition("ClusterConverging").getReason()).isEqualTo("ClusterConverged");
    assertThat(condition("RolledOut").getMessage()).startsWith("FleetLM nodes: 3/3");

    edit(
        r -> {
          r.getSpec().setImage(V2);
          r.getSpec().getMigration().setExpectedVersion("1002");
        });
    reconcile();
    assertThat(condition("RolledOut").getMessage())
        .isEqualTo("the FleetLM nodes keep running " + V1 + " until the new release is verified");
    kube.finishJob(jobName(), true, null, 0);
    database.applied("1000", "1001", "1002");
    reconcile();
    assertThat(kube.calls).contains("deletePod chat-00001");
    kube.nodeGone("chat-00001");
    reconcile();
    assertThat(condition("Ready").getStatus()).isEqualTo("False");
    assertThat(condition("Stalled").getStatus()).isEqualTo("False");
    assertThat(condition("ClusterConverging").getMessage())
        .contains("Raft group 0")
        .contains("still lists fleetlm_00001@10.0.0.1");

    now = now.plus(Duration.ofMinutes(11));
    reconcile();
    assertThat(condition("Stalled").getStatus()).isEqualTo("True");
    assertThat(condition("Stalled").getReason()).isEqualTo("ClusterNotConverging");
    assertThat(condition("Ready").getReason()).isEqualTo("ClusterNotConverging");
    assertThat(condition("Ready").getMessage())
        .contains("Raft group 0")
        .contains("no progress for more than 600 s");
    assertThat(status().getPhase()).isEqualTo(Phase.Failed);
    assertThat(kube.clusterNodes).as("no node is started beside a stuck group").hasSize(2);
    assertThat(status().getClusterMembers()).as("nodes that said they joined").isEqualTo(2);

    edit(r -> r.getSpec().setPaused(true));
    reconcile();
    assertThat(condition("Stalled").getStatus())
        .as("a paused roll waits on nothing")
        .isEqualTo("False");
    edit(r -> r.getSpec().setPaused(false));
    reconcile();
    assertThat(condition("Stalled").getStatus())
        .as("resumed, the roll's clock starts again")
        .isEqualTo("False");
    now = now.plus(Duration.ofMinutes(11));
    reconcile();
    assertThat(condition("Stalled").getReason()).isEqualTo("ClusterNotConverging");

    String two = "fleetlm_00002@10.0.0.2,fleetlm_00003@10.0.0.3";
    joinWithGroupsOf(nodes, "chat-00002", two);
    joinWithGroupsOf(nodes, "chat-00003", two);
    reconcile();
    assertThat(kube.clusterNodes).containsOnlyKeys("chat-00002", "chat-00003", "chat-00004");
    assertThat(condition("Stalled").getStatus()).isEqualTo("False");
    assertThat(condition("ClusterConverging").getReason()).isEqualTo("ClusterConverging");

    // The newcomer never joins: the stall names the groups FleetLM places on it, as it says.
    kube.runNode("chat-00004", "10.0.0.4");
    nodes.unjoined.put("chat-00004", List.of(3, 9));
    reconcile();
    assertThat(nodes.asked)
        .as("not asked before the roll stalls")
        .doesNotContain("unjoined chat-00004");
    now = now.plus(Duration.ofMinutes(11));
    reconcile();
    reconcile();
    assertThat(condition("Stalled").getReason()).isEqualTo("ClusterNotConverging");
    assertThat(condition("Ready").getMessage())
        .contains("node fleetlm_00004@10.0.0.4 (pod chat-00004) to join its Raft groups")
        .contains("FleetLM places Raft groups 3, 9 on it, and it is not a member of them");
    assertThat(nodes.asked)
        .as("asked once a minute at most")
        .containsOnlyOnce("unjoined chat-00004");
  }

  /**
   * The only node ends and its pod goes: the node that replaces it is numbered above it (the status
   * records the last one started), never started under its name again; a stopping pod whose node
   * ended holds nothing up.
   */
  @Test
  void withClusterRollNodesANodeThatEndedIsReplacedUnderANewNameEvenWhenItWasTheOnlyOne() {
    FakeFleetlmNodes nodes = startingNodesItself();
    startJoined(nodes, "chat-00001", "10.0.0.1", "fleetlm_00001@10.0.0.1");
    assertThat(status().getLastNodeSerial()).isEqualTo(1);

    kube.endNode("chat-00001", 1, "Error");
    reconcile();
    assertThat(kube.calls).contains("deletePod chat-00001");
    assertThat(condition("ClusterConverging").getMessage())
        .contains("its node ended (exit code 1, Error)");

    reconcile();
    assertThat(kube.clusterNodes)
        .as("its stopping pod holds nothing up, and its name is not used again")
        .containsOnlyKeys("chat-00001", "chat-00002");
    assertThat(clusterNodesOf("chat-00002")).isEqualTo("fleetlm_00002@$(POD_IP)");
    kube.nodeGone("chat-00001");
    kube.runNode("chat-00002", "10.0.0.2");
    joinWithGroupsOf(nodes, "chat-00002", "fleetlm_00002@10.0.0.2");
    reconcile();
    assertThat(kube.clusterNodes).containsOnlyKeys("chat-00002", "chat-00003");
    assertThat(status().getLastNodeSerial()).isEqualTo(3);
  }

  /**
   * A node pod left by a deleted release of the same name (its owner's uid is another) is not this
   * release's: not counted, not asked, never stopped by it; the release starts its own nodes.
   */
  @Test
  void withClusterRollNodesAPodOfADeletedReleaseOfTheSameNameIsNotItsNode() {
    FakeFleetlmNodes nodes = startingNodesItself();
    startJoined(nodes, "chat-00001", "10.0.0.1", "fleetlm_00001@10.0.0.1");
    Pod left = kube.clusterNodes.remove("chat-00001");
    left.getMetadata().getOwnerReferences().get(0).setUid("uid-of-the-deleted-release");
    kube.clusterNodes.put("chat-00005", left);
    nodes.asked.clear();

    reconcile();
    reconcile();

    assertThat(kube.calls).doesNotContain("deletePod chat-00005");
    assertThat(nodes.asked).as("the other release's node is not asked").isEmpty();
    assertThat(status().getClusterMembers()).isZero();
    assertThat(kube.clusterNodes).containsKey("chat-00002");
  }

  /**
   * Asked for one replica (no cluster by default), a cluster of node pods keeps them all and says
   * at once that FleetLM cannot go to one node; asked for none, every node stops, one a pass
   * without waiting on FleetLM, and no Deployment starts a FleetLM of its own while one of them is
   * there.
   */
  @Test
  void withClusterRollNodesOneReplicaIsRefusedAndZeroStopsEveryNode() {
    FakeFleetlmNodes nodes = startingNodesItself();
    reconcile();
    kube.finishJob(jobName(), true, null, 0);
    database.applied("1000", "1001");
    for (int pass = 0; pass < 20 && status().getPhase() != Phase.Ready; pass++) {
      settle(nodes);
      reconcile();
    }
    assertThat(kube.clusterNodes).hasSize(3);

    edit(r -> r.getSpec().setReplicas(1));
    kube.calls.clear();
    reconcile();
    assertThat(kube.calls).noneMatch(c -> c.startsWith("deletePod") || c.contains("Deployment"));
    assertThat(condition("Stalled").getStatus()).isEqualTo("True");
    assertThat(condition("Stalled").getReason()).isEqualTo("ClusterCannotShrink");
    assertThat(condition("Ready").getStatus()).isEqualTo("False");
    assertThat(condition("Ready").getMessage())
        .contains("FleetLM cannot go from 3 nodes to 1")
        .contains("Set spec.replicas to 2 or more, or to 0 and then 1");
    var kept = kube.budgets.get("chat").getSpec();
    assertThat(kept.getMinAvailable())
        .as("a drain may not take the nodes to one either")
        .isEqualTo(new IntOrString(2));
    assertThat(kept.getMaxUnavailable()).isNull();

    edit(r -> r.getSpec().setReplicas(0));
    nodes.asked.clear();
    reconcile();
    reconcile();
    reconcile();
    assertThat(kube.calls)
        .filteredOn(c -> c.startsWith("deletePod"))
        .containsExactly("deletePod chat-00003", "deletePod chat-00002", "deletePod chat-00001");
    assertThat(nodes.asked).as("nothing asked of nodes that all stop").isEmpty();
    assertThat(kube.deployments).as("not while a node is still there").isEmpty();
    assertThat(condition("Ready").getStatus()).isEqualTo("False");

    settle(nodes);
    reconcile();
    assertThat(kube.clusterNodes).isEmpty();
    assertThat(condition("Stalled").getStatus()).isEqualTo("False");
    assertThat(kube.budgets).isEmpty();
  }

  /** The operator as installed: it starts clustered releases' nodes itself (clusterRoll nodes). */
  private FakeFleetlmNodes startingNodesItself() {
    FakeFleetlmNodes nodes = new FakeFleetlmNodes();
    reconciliation = reconciliationWith(ProductionConfig.defaults(), nodes);
    return nodes;
  }

  /**
   * Reconciles until the pod exists, runs it at this IP, and has its node join with these peers.
   */
  private void startJoined(FakeFleetlmNodes nodes, String pod, String ip, String members) {
    if (status() == null || kube.jobs.isEmpty()) {
      reconcile();
      kube.finishJob(jobName(), true, null, 0);
      database.applied("1000", "1001");
    }
    reconcile();
    reconcile();
    assertThat(kube.clusterNodes).containsKey(pod);
    kube.runNode(pod, ip);
    for (String running : kube.clusterNodes.keySet()) {
      joinWithGroupsOf(nodes, running, members);
    }
  }

  /**
   * What the kubelet, the ReplicaSet and FleetLM do between two passes: stopping pods are gone, new
   * node pods run, and every node has joined groups that list exactly the nodes running.
   *
   * @return the nodes running
   */
  private List<String> settle(FakeFleetlmNodes nodes) {
    kube.deploymentPods.values().removeIf(p -> p.getMetadata().getDeletionTimestamp() != null);
    List.copyOf(kube.clusterNodes.values()).stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() != null)
        .forEach(p -> kube.nodeGone(p.getMetadata().getName()));
    Map<String, String> running = new java.util.LinkedHashMap<>();
    kube.deploymentPods.forEach(
        (name, pod) -> running.put(name, "fleetlm@" + pod.getStatus().getPodIP()));
    kube.clusterNodes.forEach(
        (name, pod) -> {
          int serial = ClusterMemberFactory.serialOf(pod).orElseThrow();
          if (pod.getStatus() == null) {
            kube.runNode(name, "10.0.0." + serial);
          }
          running.put(name, String.format("fleetlm_%05d@10.0.0.%d", serial, serial));
        });
    String members = String.join(",", running.values());
    running.keySet().forEach(pod -> joinWithGroupsOf(nodes, pod, members));
    return List.copyOf(running.values());
  }

  private void joinWithGroupsOf(FakeFleetlmNodes nodes, String pod, String members) {
    nodes.joined.add(pod);
    nodes.groups.put(pod, List.of(RaftConvergence.Answer.listing(0, List.of(members.split(",")))));
  }

  private String clusterNodesOf(String pod) {
    return kube.clusterNodes.get(pod).getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals("CLUSTER_NODES"))
        .findFirst()
        .orElseThrow()
        .getValue();
  }

  private int asked() {
    return kube.deployments.get("chat").getSpec().getReplicas();
  }

  @Test
  void anUnchangedStatusIsNotWrittenAgain() {
    installReady();
    kube.calls.clear();
    reconcile();
    assertThat(kube.calls).isEmpty();
  }

  @Test
  void aRollbackRunsWithTheNewerImageRevertsEverythingAboveTheTargetThenDeploysTheOlder() {
    upgradeToV2Ready();

    edit(
        r -> {
          r.getSpec().setImage(V1);
          r.getSpec().getMigration().setExpectedVersion("1001");
          r.getSpec().getMigration().setRollbackTo("1001");
        });
    reconcile();

    Job rollback = kube.jobs.get(jobName());
    var container = rollback.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getImage()).as("the image that knows 1002").isEqualTo(V2);
    assertThat(container.getArgs())
        .as("Ecto's to: is inclusive: the target + 1")
        .containsExactly("eval", "Fleetlm.Release.rollback(Fleetlm.Repo, 1002)");
    assertThat(condition("Ready").getReason()).isEqualTo("RollbackRunning");
    assertThat(RolloutState.imageOf(kube.deployments.get("chat")))
        .as("the newer image serves until the rollback is verified")
        .isEqualTo(V2);

    kube.finishJob(jobName(), true, null, 0);
    database.applied("1000", "1001");
    reconcile();

    assertThat(condition("MigrationsVerified").getReason()).isEqualTo("RolledBack");
    assertThat(RolloutState.imageOf(kube.deployments.get("chat"))).isEqualTo(V1);
    assertThat(lastEvent("RolledBack").message()).contains("ends at 1001");
    var record = status().getHistory().get(0);
    assertThat(record.rollbackTo()).isEqualTo("1001");
    assertThat(record.rollbackJob()).isEqualTo(V2 + " reverting every version from 1002 up");
    assertThat(record.outcome()).isEqualTo(ReleaseOutcome.Verified);
    rollOutFully();
    assertThat(status().getPhase()).isEqualTo(Phase.Ready);
    assertThat(
            meters
                .get("fleetlm_migration_duration_seconds")
                .tag("direction", "down")
                .timer()
                .count())
        .isEqualTo(1);
  }

  @Test
  void aRollbackThatLeavesVersionsAboveTheTargetFailsAndTheNewerImageKeepsServing() {
    upgradeToV2Ready();
    edit(r -> r.getSpec().getMigration().setRollbackTo("1001"));
    edit(r -> r.getSpec().setImage(V1));
    reconcile();

    kube.finishJob(jobName(), true, null, 0);
    reconcile();

    assertThat(status().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition("Ready").getReason()).isEqualTo("RollbackIncomplete");
    assertThat(condition("Ready").getMessage())
        .contains("1002")
        .contains("the Deployment keeps running " + V2);
    assertThat(RolloutState.imageOf(kube.deployments.get("chat"))).isEqualTo(V2);
  }

  @Test
  void aRollbackWithNothingAboveTheTargetRunsNoJob() {
    installReady();
    edit(r -> r.getSpec().getMigration().setRollbackTo("1001"));

    reconcile();

    assertThat(kube.jobs).as("only the first install's Job").hasSize(1);
    assertThat(condition("MigrationsVerified").getReason()).isEqualTo("RolledBack");
    assertThat(status().getHistory().get(0).rollbackJob()).isEqualTo("none: nothing above 1001");
  }

  @Test
  void aRollbackToAVersionThatIsNotAppliedStartsNothingAndSaysSo() {
    upgradeToV2Ready();
    edit(r -> r.getSpec().getMigration().setRollbackTo("1000500"));

    reconcile();

    assertThat(kube.jobs).hasSize(2);
    assertThat(condition("Ready").getReason()).isEqualTo("RollbackTargetNotApplied");
    assertThat(RolloutState.imageOf(kube.deployments.get("chat"))).isEqualTo(V2);
  }

  @Test
  void aRollbackWithoutAKnownNewerImageBlocksUntilOneIsNamed() {
    database.applied("1000", "1001", "1002");
    edit(r -> r.getSpec().getMigration().setRollbackTo("1001"));

    reconcile();

    assertThat(kube.jobs).isEmpty();
    assertThat(condition("Ready").getReason()).isEqualTo("RollbackImageUnknown");
    assertThat(condition("Ready").getMessage()).contains("1002").contains("rollbackImage");

    edit(r -> r.getSpec().getMigration().setRollbackImage(V2));
    reconcile();
    assertThat(kube.jobs.get(jobName()).getSpec().getTemplate().getSpec().getContainers())
        .singleElement()
        .extracting(c -> c.getImage())
        .isEqualTo(V2);
  }

  @Test
  void theDatabaseIsClaimedBeforeTheJobAndTheClaimIsKeptForTheNextMigrationWhileNoneWaits() {
    reconcile();

    assertThat(kube.calls).containsSubsequence("createLease", "createJob " + jobName());
    Lease claim = kube.leases.get(MigrationLockLease.name("db:5432/chat"));
    assertThat(claim.getSpec().getHolderIdentity()).isEqualTo("apps/chat/" + targetId());
    assertThat(claim.getMetadata().getAnnotations())
        .containsEntry(MigrationLockLease.ANNOTATION_DATABASE, "db:5432/chat")
        .containsEntry(MigrationLockLease.ANNOTATION_JOB, "apps/" + jobName());
    assertThat(json(claim)).doesNotContain(PASSWORD).doesNotContain("fleet:");

    reconcile();
    assertThat(kube.leases).as("held while the Job runs").hasSize(1);

    kube.finishJob(jobName(), true, null, 0);
    database.applied("1000", "1001");
    reconcile();
    assertThat(condition("MigrationsVerified").getStatus()).isEqualTo("True");
    assertThat(kube.calls).doesNotContain("deleteLease");
    assertThat(kube.leases).as("kept: no release waits for it").hasSize(1);

    String first = targetId();
    edit(r -> r.getSpec().setImage(V2));
    edit(r -> r.getSpec().getMigration().setExpectedVersion("1002"));
    kube.calls.clear();
    reconcile();
    assertThat(targetId()).isNotEqualTo(first);
    assertThat(kube.calls)
        .as("the next migration replaces the claim: one write, no create refused")
        .containsSubsequence("replaceLease", "createJob " + jobName())
        .doesNotContain("createLease", "deleteLease");
    assertThat(kube.leases.values())
        .singleElement()
        .extracting(l -> l.getSpec().getHolderIdentity())
        .isEqualTo("apps/chat/" + targetId());
  }

  @Test
  void aSteadyReleaseReadsItsDatabaseSecretOnceAndReleasesAClaimLeftFromAnEarlierDatabaseUrl() {
    installReady();
    kube.leases.put(
        MigrationLockLease.name("olddb:5432/chat"),
        foreignClaim("olddb:5432/chat", "apps/chat/0ld1d", "apps/chat-migrate-0ld1d", now));
    kube.secretReads = 0;

    reconcile();

    assertThat(kube.leases)
        .as("the claim on the database it names now is kept; the earlier database's goes")
        .containsOnlyKeys(MigrationLockLease.name("db:5432/chat"));
    assertThat(kube.secretReads).as("the Secret that names the database, once").isEqualTo(1);
  }

  @Test
  void aVerifiedVersionMissingFromTheDatabaseIsFoundAtTheNextResyncAndReported() {
    installReady();
    Deployment before = kube.deployments.get("chat");
    database.applied("1000"); // restored from a backup taken before 1001

    reconcile();
    assertThat(status().getPhase())
        .as("read again only once the resync is due")
        .isEqualTo(Phase.Ready);

    now = now.plus(ProductionConfig.defaults().resync());
    reconcile();

    assertThat(status().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition("Ready").getReason()).isEqualTo("SchemaBehind");
    assertThat(condition("MigrationsVerified").getStatus()).isEqualTo("False");
    assertThat(condition("Ready").getMessage())
        .contains("no longer holds what was verified")
        .contains("1001");
    assertThat(lastEvent("SchemaBehind").warning()).isTrue();
    assertThat(
            meters
                .get("fleetlm_verification_failures_total")
                .tag("reason", "SchemaBehind")
                .counter()
                .count())
        .isEqualTo(1.0);
    assertThat(kube.deployments.get("chat")).as("the pods keep serving").isEqualTo(before);
    assertThat(kube.jobs).as("nothing is migrated unasked").hasSize(1);

    reconcile();
    assertThat(condition("Ready").getReason()).as("stays behind").isEqualTo("SchemaBehind");

    database.applied("1000", "1001");
    reconcile();
    assertThat(status().getPhase()).isEqualTo(Phase.Ready);
  }

  @Test
  void withOnSchemaDriftMigrateADriftedDatabaseIsMigratedOnceMoreWithoutReplacingThePods() {
    edit(r -> r.getSpec().getMigration().setOnSchemaDrift(SchemaDriftPolicy.Migrate));
    installReady();
    Deployment before = kube.deployments.get("chat");
    database.applied("1000");
    now = now.plus(ProductionConfig.defaults().resync());

    ReleaseReconciliation.Outcome found = reconcile();

    assertThat(condition("Ready").getReason()).isEqualTo("SchemaBehind");
    assertThat(condition("Ready").getMessage()).contains("onSchemaDrift is Migrate");
    assertThat(found.requeueAfter()).isLessThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(kube.jobs).as("found in this pass, repaired in the next").hasSize(1);

    String repairJob = ResourceNames.migrationJobName(kube.stored, targetId() + "-r1");
    kube.failStatusWrite = () -> new IllegalStateException("the operator stops here");
    assertThatThrownBy(this::pass).hasMessageContaining("stops here");
    kube.failStatusWrite = null;
    assertThat(kube.jobs).containsKey(repairJob).hasSize(2);
    reconcile();
    reconcile();
    assertThat(kube.jobs).as("one repair Job, though its first record was lost").hasSize(2);
    assertThat(status().getPhase()).isEqualTo(Phase.Migrating);
    assertThat(kube.deployments.get("chat")).as("the pods keep serving").isEqualTo(before);

    kube.finishJob(repairJob, true, null, 0);
    database.applied("1000", "1001");
    reconcile();

    assertThat(status().getPhase()).isEqualTo(Phase.Ready);
    assertThat(status().getVerifiedMigrationId()).isEqualTo(targetId() + "-r1");
    assertThat(kube.deployments.get("chat").getSpec().getTemplate())
        .as("a repair changes neither the image nor the database of the pods")
        .isEqualTo(before.getSpec().getTemplate());
    assertThat(status().getHistory().stream().map(ReleaseRecord::migrationId))
        .contains(targetId(), targetId() + "-r1");

    database.applied("1000");
    now = now.plus(ProductionConfig.defaults().resync());
    reconcile();
    reconcile();
    assertThat(kube.jobs)
        .as("drift found again: the next repair")
        .containsKey(ResourceNames.migrationJobName(kube.stored, targetId() + "-r2"))
        .hasSize(3);
  }

  @Test
  void aReleaseThatRollsBackOnlyReportsDriftWhateverItsPolicy() {
    edit(r -> r.getSpec().getMigration().setOnSchemaDrift(SchemaDriftPolicy.Migrate));
    installReady();
    edit(
        r -> {
          r.getSpec().getMigration().setRollbackTo("1000");
          r.getSpec().getMigration().setExpectedVersion("1000");
        });
    reconcile();
    String rollbackJob = jobName();
    kube.finishJob(rollbackJob, true, null, 0);
    database.applied("1000");
    reconcile();
    rollOutFully();
    assertThat(status().getPhase()).isEqualTo(Phase.Ready);
    int jobs = kube.jobs.size();

    database.applied();
    now = now.plus(ProductionConfig.defaults().resync());
    reconcile();
    reconcile();

    assertThat(condition("Ready").getReason()).isEqualTo("SchemaBehind");
    assertThat(condition("Ready").getMessage()).contains("set spec.migration.onSchemaDrift");
    assertThat(kube.jobs).as("a rollback is not migrated forward").hasSize(jobs);
  }

  @Test
  void withoutAnExpectedVersionTheNewestMigrationTheImageAppliedIsWhatDriftLooksFor() {
    migrateWithoutAnExpectedVersionReporting1001();
    reconcile();
    rollOutFully();
    assertThat(status().getPhase()).isEqualTo(Phase.Ready);

    database.applied("1000");
    now = now.plus(ProductionConfig.defaults().resync());
    reconcile();

    assertThat(condition("Ready").getReason()).isEqualTo("SchemaBehind");
    assertThat(condition("Ready").getMessage())
        .contains("the database lacks 1001, the newest migration the image applied");
  }

  @Test
  void aReadyReleasePointedAtAnotherSecretMigratesThatDatabaseBeforeAnyPodUsesIt() {
    installReady();
    String verifiedBefore = status().getVerifiedMigrationId();
    kube.secrets.put("db2", databaseSecret("db2", "ecto://fleet:" + PASSWORD + "@db2:5432/chat"));

    edit(r -> r.getSpec().getDatabase().getUrlSecretRef().setName("db2"));
    reconcile();

    assertThat(kube.jobs).as("the new database gets its own migration Job").hasSize(2);
    assertThat(kube.jobs).containsKey(jobName());
    assertThat(status().getPhase()).isEqualTo(Phase.Migrating);
    assertThat(condition("Ready").getStatus()).isEqualTo("False");
    assertThat(status().getDatabase()).isEqualTo("db2:5432/chat");
    assertThat(condition("Ready").getMessage())
        .endsWith(
            "in database db2:5432/chat; the pods started before the change use db:5432/chat"
                + " until it is verified and they are replaced");
    assertThat(status().getVerifiedMigrationId()).isEqualTo(verifiedBefore);
    assertThat(databaseSecretOfPods()).as("the pods still read the old Secret").isEqualTo("db");
    assertThat(lastEvent("DatabaseChanged").message())
        .contains("from db:5432/chat to db2:5432/chat")
        .doesNotContain(PASSWORD);
    assertThat(status().getHistory())
        .filteredOn(r -> r.outcome() == ReleaseOutcome.Migrating)
        .singleElement()
        .extracting(r -> r.database())
        .isEqualTo("db2:5432/chat");

    database.appliedIn("db2:5432/chat");
    kube.finishJob(jobName(), true, null, 0);
    reconcile();
    assertThat(status().getPhase())
        .as("the Job's exit code is not enough: the new database lacks the migrations")
        .isEqualTo(Phase.Failed);
    assertThat(databaseSecretOfPods()).isEqualTo("db");
  }

  @Test
  void aDatabaseUrlChangedInPlaceIsMigratedAndVerifiedThenThePodsAreReplaced() {
    installReady();
    Deployment before = kube.deployments.get("chat");
    kube.secrets.put(
        "db", databaseSecret("db", "ecto://fleet:" + PASSWORD + "@restored:5432/chat"));

    reconcile();

    assertThat(kube.jobs).hasSize(2);
    assertThat(status().getPhase()).isEqualTo(Phase.Migrating);
    assertThat(kube.deployments.get("chat").getSpec().getTemplate())
        .as("no pod is replaced before the new database is verified")
        .isEqualTo(before.getSpec().getTemplate());

    kube.finishJob(jobName(), true, null, 0);
    database.appliedIn("restored:5432/chat", "1000", "1001");
    reconcile();
    rollOutFully();

    assertThat(status().getPhase()).isEqualTo(Phase.Ready);
    assertThat(status().getVerifiedMigrationId()).isEqualTo(targetId());
    assertThat(kube.deployments.get("chat").getSpec().getTemplate())
        .as("the pods are replaced, so that they read the URL as it is now")
        .isNotEqualTo(before.getSpec().getTemplate());
  }

  @Test
  void aReadyReleaseWhoseSecretIsDeletedIsNotReadyAndKeepsItsPods() {
    installReady();
    Deployment before = kube.deployments.get("chat");
    kube.secrets.remove("db");

    reconcile();

    assertThat(condition("Ready").getStatus()).isEqualTo("False");
    assertThat(condition("Ready").getReason()).isEqualTo("SecretNotFound");
    assertThat(kube.jobs).hasSize(1);
    assertThat(kube.deployments.get("chat")).isEqualTo(before);
  }

  @Test
  void aDatabaseClaimedByAnotherReleaseWaitsAndNamesTheHolderThenTakesOverWhenItsJobNeverCame() {
    kube.leases.put(
        MigrationLockLease.name("db:5432/chat"),
        foreignClaim("db:5432/chat", "staging/chat/abc", "staging/chat-migrate-abc", now));

    reconcile();

    assertThat(kube.jobs).isEmpty();
    assertThat(condition("Ready").getReason()).isEqualTo("WaitingForDatabase");
    assertThat(condition("Ready").getMessage())
        .contains("db:5432/chat is being migrated by staging/chat/abc")
        .contains("Job staging/chat-migrate-abc");
    assertThat(status().getPhase()).isNotEqualTo(Phase.Failed);
    assertThat(kube.leases.values())
        .as("the holder, whichever operator runs it, is told that a release waits")
        .singleElement()
        .satisfies(l -> assertThat(MigrationLockLease.awaited(l)).isTrue());

    now = now.plus(MigrationLocks.CLAIM_GRACE);
    reconcile();

    assertThat(kube.jobs).containsOnlyKeys(jobName());
    assertThat(kube.leases.values())
        .singleElement()
        .extracting(l -> l.getSpec().getHolderIdentity())
        .isEqualTo("apps/chat/" + targetId());
  }

  @Test
  void aClaimWhoseHolderJobHasEndedIsTakenOverAtOnce() {
    installReady();
    // Another release's claim, left behind; its Job (played by a finished one) has ended.
    kube.leases.put(
        MigrationLockLease.name("db:5432/chat"),
        foreignClaim("db:5432/chat", "canary/chat/0ld1d", "canary/" + jobName(), now));
    edit(r -> r.getSpec().setImage(V2));
    edit(r -> r.getSpec().getMigration().setExpectedVersion("1002"));

    reconcile();

    assertThat(kube.calls).contains("replaceLease");
    assertThat(kube.jobs).containsKey(jobName());
    assertThat(condition("Ready").getReason()).isEqualTo("MigrationRunning");
  }

  @Test
  void aReleaseThatLosesTheTakeOverNamesTheReleaseThatWonIt() {
    installReady();
    kube.leases.put(
        MigrationLockLease.name("db:5432/chat"),
        foreignClaim("db:5432/chat", "canary/chat/0ld1d", "canary/" + jobName(), now));
    kube.claimedFirst =
        foreignClaim("db:5432/chat", "staging/chat/n3w", "staging/chat-migrate-n3w", now);
    edit(r -> r.getSpec().setImage(V2));
    edit(r -> r.getSpec().getMigration().setExpectedVersion("1002"));

    reconcile();

    assertThat(kube.jobs).doesNotContainKey(jobName());
    assertThat(condition("Ready").getReason()).isEqualTo("WaitingForDatabase");
    assertThat(condition("Ready").getMessage())
        .contains("being migrated by staging/chat/n3w")
        .doesNotContain("canary");
  }

  @Test
  void aFailedJobWhosePodStillRunsKeepsItsDatabaseUntilThePodEnds() {
    reconcile();
    kube.finishJob(jobName(), false, "** (Postgrex.Error) boom", 1);
    kube.podStillRunning(jobName());

    reconcile();

    assertThat(status().getPhase()).isEqualTo(Phase.Failed);
    assertThat(kube.leases).as("the pod may still write to the database").hasSize(1);
    // A release of another operator waits, and says so on the Lease.
    Lease held = kube.leases.values().iterator().next();
    kube.leases.put(held.getMetadata().getName(), MigrationLockLease.markedAwaited(held));

    kube.finishJob(jobName(), false, "** (Postgrex.Error) boom", 1);
    reconcile();
    assertThat(kube.leases).as("deleted, which wakes the release that waits").isEmpty();
  }

  @Test
  void aClaimWhoseHolderJobEndedWhileItsPodStillRunsIsNotTakenOver() {
    installReady();
    String heldJob = jobName();
    kube.podStillRunning(heldJob);
    kube.leases.put(
        MigrationLockLease.name("db:5432/chat"),
        foreignClaim("db:5432/chat", "canary/chat/0ld1d", "canary/" + heldJob, now));
    edit(r -> r.getSpec().setImage(V2));
    edit(r -> r.getSpec().getMigration().setExpectedVersion("1002"));

    reconcile();

    assertThat(kube.jobs).doesNotContainKey(jobName());
    assertThat(condition("Ready").getReason()).isEqualTo("WaitingForDatabase");
  }

  @Test
  void aHolderInANamespaceTheOperatorMayNotReadIsNamedWithThePermissionItLacks() {
    kube.leases.put(
        MigrationLockLease.name("db:5432/chat"),
        foreignClaim("db:5432/chat", "secret-team/chat/abc", "secret-team/chat-migrate-abc", now));
    kube.forbiddenNamespaces.add("secret-team");
    now = now.plus(MigrationLocks.CLAIM_GRACE).plusSeconds(60);

    reconcile();

    assertThat(kube.jobs).isEmpty();
    assertThat(condition("Ready").getReason()).isEqualTo("WaitingForDatabase");
    assertThat(condition("Ready").getMessage())
        .contains("may not read Jobs and pods in namespace secret-team")
        .contains("get on jobs and list on pods");
  }

  @Test
  void someoneElsesServiceOfTheSameNameStopsTheReleaseAndIsLeftAlone() {
    kube.foreignObjects.put(
        "Service/chat",
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName("chat")
            .withNamespace("apps")
            .addToLabels(ResourceNames.LABEL_MANAGED_BY, "Helm")
            .build());
    reconcile();
    kube.finishJob(jobName(), true, null, 0);
    database.applied("1000", "1001");

    ReleaseReconciliation.Outcome outcome = reconcileExpectingFailure();

    assertThat(kube.calls).noneMatch(c -> c.startsWith("apply"));
    assertThat(kube.deployments).isEmpty();
    assertThat(condition("Ready").getReason()).isEqualTo("ResourceConflict");
    assertThat(condition("Stalled").getStatus()).isEqualTo("True");
    assertThat(condition("Ready").getMessage())
        .contains("Service chat already exists and is not this release's (managed by Helm)")
        .contains("delete service chat in namespace apps and the release creates its own");
    assertThat(outcome.retry()).as("looked at again: the Service is not watched").isTrue();

    kube.foreignObjects.remove("Service/chat");
    reconcile();
    assertThat(kube.services).containsKey("chat");
    assertThat(kube.deployments).containsKey("chat");
  }

  @Test
  void objectsHandedOverByAnnotationAreDeletedOnceTheReleaseIsVerifiedAndReplacedByItsOwn() {
    kube.foreignObjects.put("Service/chat", handedOver("chat", "chat"));
    kube.foreignObjects.put("Deployment/chat", handedOver("chat", "chat"));
    reconcile();
    assertThat(kube.calls)
        .as("the install serves until the release is verified")
        .noneMatch(c -> c.startsWith("delete "));
    kube.finishJob(jobName(), true, null, 0);
    database.applied("1000", "1001");

    reconcile();
    reconcile();

    assertThat(kube.calls).contains("delete Deployment/chat", "delete Service/chat");
    assertThat(kube.foreignObjects).isEmpty();
    assertThat(kube.services).containsKey("chat");
    assertThat(kube.deployments).containsKey("chat");
    assertThat(lastEvent("HandedOver").message())
        .contains("was handed over to this release (fleetlm.io/hand-over-to)");
    rollOutFully();
    assertThat(status().getPhase()).isEqualTo(Phase.Ready);
  }

  @Test
  void anObjectHandedOverToAnotherReleaseOrOwnedByAControllerIsNotTaken() {
    kube.foreignObjects.put("Service/chat", handedOver("chat", "other"));
    ObjectMeta controlled = handedOver("chat-headless", "chat");
    controlled.setOwnerReferences(
        List.of(
            new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                .withKind("ReplicaSet")
                .withName("someone")
                .withUid("u-1")
                .withController(true)
                .build()));
    kube.foreignObjects.put("Service/chat-headless", controlled);
    reconcile();
    kube.finishJob(jobName(), true, null, 0);
    database.applied("1000", "1001");

    reconcileExpectingFailure();

    assertThat(kube.calls).noneMatch(c -> c.startsWith("delete ") || c.startsWith("apply"));
    assertThat(condition("Ready").getReason()).isEqualTo("ResourceConflict");
    assertThat(condition("Ready").getMessage())
        .contains("Service chat already exists and is not this release's")
        .contains("kubectl annotate service chat fleetlm.io/hand-over-to=chat")
        .contains(
            "Service chat-headless is annotated fleetlm.io/hand-over-to but is controlled by"
                + " ReplicaSet someone");
  }

  @Test
  void aHandedOverObjectWithFinalizersIsWaitedForBeforeTheReleaseWritesItsName() {
    ObjectMeta withFinalizer = handedOver("chat", "chat");
    withFinalizer.setFinalizers(List.of("service.kubernetes.io/load-balancer-cleanup"));
    kube.foreignObjects.put("Service/chat", withFinalizer);
    reconcile();
    kube.finishJob(jobName(), true, null, 0);
    database.applied("1000", "1001");

    reconcileExpectingFailure();

    assertThat(kube.calls).contains("delete Service/chat").noneMatch(c -> c.startsWith("apply"));
    assertThat(condition("Ready").getMessage())
        .contains(
            "is being deleted (it has finalizers: service.kubernetes.io/load-balancer-cleanup)");
    int deletes = (int) kube.calls.stream().filter(c -> c.startsWith("delete ")).count();

    reconcileExpectingFailure();
    assertThat(kube.calls.stream().filter(c -> c.startsWith("delete ")).count())
        .as("deleted once; then waited for")
        .isEqualTo(deletes);

    kube.foreignObjects.remove("Service/chat"); // the load balancer's controller finished
    reconcile();
    assertThat(kube.services).containsKey("chat");
  }

  private static ObjectMeta handedOver(String name, String toRelease) {
    return new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
        .withName(name)
        .withNamespace("apps")
        .withResourceVersion("41")
        .addToAnnotations(ResourceNames.ANNOTATION_HAND_OVER_TO, toRelease)
        .build();
  }

  /** Passes until one throws, as JOSDK runs them, then the operator's answer to the error. */
  private ReleaseReconciliation.Outcome reconcileExpectingFailure() {
    for (int i = 0; i < 5; i++) {
      FleetlmRelease cached = kube.current();
      try {
        reconcileFrom(cached);
      } catch (RuntimeException e) {
        return reconciliation.failed(cached, e, 1, now);
      }
    }
    throw new AssertionError("no pass failed");
  }

  private static Lease foreignClaim(String database, String holder, String job, Instant at) {
    return new LeaseBuilder()
        .withNewMetadata()
        .withName(MigrationLockLease.name(database))
        .withResourceVersion("7")
        .addToAnnotations(MigrationLockLease.ANNOTATION_JOB, job)
        .endMetadata()
        .withNewSpec()
        .withHolderIdentity(holder)
        .withAcquireTime(ZonedDateTime.ofInstant(at, ZoneOffset.UTC))
        .endSpec()
        .build();
  }

  @Test
  void withoutAnExpectedVersionTheImagesOwnReportDecidesAndIsKeptInTheHistory() {
    migrateWithoutAnExpectedVersionReporting1001();

    reconcile();

    assertThat(condition("MigrationsVerified").getReason()).isEqualTo("Verified");
    assertThat(condition("MigrationsVerified").getMessage())
        .contains("newest is 1001")
        .contains("all 2 of its migration(s) up");
    assertThat(status().getHistory().get(0).output())
        .isEqualTo("fleetlm-migrations/v1 shipped=2 newest=1001 down=0 unknown=0");
  }

  @Test
  void anImageReportingItsMigrationsDownFailsWithMigrationsPendingAndDeploysNothing() {
    reconcile();
    kube.finishJob(
        jobName(), true, "fleetlm-migrations/v1 shipped=2 newest=1002 down=1,1002 unknown=0", 0);
    database.applied("1000", "1001");

    reconcile();

    assertThat(status().getPhase()).isEqualTo(Phase.Failed);
    assertThat(condition("Ready").getReason()).isEqualTo("MigrationsPending");
    assertThat(kube.deployments).isEmpty();
    assertThat(lastEvent("MigrationsPending").warning()).isTrue();
  }

  @Test
  void threeReplicasGetServicesAMajorityBudgetAndOneCookieThatSurvivesAnUpgrade() {
    installReady();
    String cookie = kube.secrets.get("chat-cookie").getStringData().get("RELEASE_COOKIE");
    assertThat(cookie).hasSizeGreaterThanOrEqualTo(43);
    assertThat(kube.services.get("chat-headless").getSpec().getClusterIP()).isEqualTo("None");
    assertThat(kube.budgets.get("chat").getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(status().getClusterMembers()).isEqualTo(3);
    assertThat(json(status())).doesNotContain(cookie);
    assertThat(kube.secretsRead)
        .as("a release that has run nothing creates its cookie without looking for it first")
        .doesNotContain("chat-cookie (missing)");

    edit(r -> r.getSpec().setImage(V2));
    reconcile();
    kube.finishJob(jobName(), true, null, 0);
    reconcile();
    rollOutFully();

    assertThat(status().getPhase()).isEqualTo(Phase.Ready);
    assertThat(kube.calls).filteredOn(c -> c.startsWith("createSecret")).hasSize(1);
    assertThat(kube.secrets.get("chat-cookie").getStringData())
        .containsEntry("RELEASE_COOKIE", cookie);
  }

  @Test
  void aDeletedCookieIsCreatedAgainOnceAPodCannotStartWithoutIt() {
    installReady();
    kube.secrets.remove("chat-cookie");
    reconcile();
    assertThat(kube.secrets).as("all pods run: nothing to do").doesNotContainKey("chat-cookie");

    // A pod that restarts cannot start without the Secret: the Deployment controller says so.
    kube.deployments.get("chat").getStatus().setAvailableReplicas(2);
    reconcile();

    assertThat(kube.secrets).containsKey("chat-cookie");
  }

  @Test
  void anEditedServiceOrBudgetIsPutBackAndSaidSo() {
    installReady();
    kube.services.get("chat-headless").getSpec().setPublishNotReadyAddresses(false);
    kube.budgets.get("chat").getSpec().setMaxUnavailable(new IntOrString(3));

    reconcile();

    assertThat(kube.services.get("chat-headless").getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(kube.budgets.get("chat").getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(lastEvent("DriftCorrected").message())
        .contains("Service chat-headless: spec.publishNotReadyAddresses is not true")
        .contains("PodDisruptionBudget chat: maxUnavailable 3, want maxUnavailable 1");
  }

  @Test
  void oneReplicaHasNoBudgetAndNoClusterWiringUnlessAskedFor() {
    edit(r -> r.getSpec().setReplicas(1));
    installReady();

    assertThat(kube.budgets).isEmpty();
    assertThat(kube.secrets).doesNotContainKey("chat-cookie");
    assertThat(kube.services).containsOnlyKeys("chat", "chat-headless");
    assertThat(appEnvNames()).doesNotContain("RELEASE_NODE");
  }

  private List<String> appEnvNames() {
    return appEnv().stream().map(EnvVar::getName).toList();
  }

  /** The app container's environment as the Deployment asks for it. */
  private List<EnvVar> appEnv() {
    return kube.deployments
        .get("chat")
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0)
        .getEnv();
  }

  private void upgradeToV2Ready() {
    installReady();
    migrateAndRollOutV2();
    assertThat(status().getPhase()).isEqualTo(Phase.Ready);
    assertThat(RolloutState.imageOf(kube.deployments.get("chat"))).isEqualTo(V2);
  }

  /** The spec moves to V2, which ships migration 1002; its Job succeeds and the app rolls. */
  private void migrateAndRollOutV2() {
    edit(
        r -> {
          r.getSpec().setImage(V2);
          r.getSpec().getMigration().setExpectedVersion("1002");
        });
    migrateAndRollOut("1000", "1001", "1002");
  }

  /**
   * The Deployment controller rolls out what the Deployment asks for, and the operator reconciles,
   * until the Deployment asks for the spec's replicas: a cluster grows one pod at a time.
   */
  private void rollOutFully() {
    for (int step = 0; step < 10; step++) {
      kube.rollOut("chat");
      reconcile();
      Integer asked = kube.deployments.get("chat").getSpec().getReplicas();
      if (asked.equals(kube.current().getSpec().getReplicas())) {
        break;
      }
    }
    kube.rollOut("chat");
    reconcile();
  }

  private void installReady() {
    migrateAndRollOut("1000", "1001");
    assertThat(status().getPhase()).isEqualTo(Phase.Ready);
  }

  /** The spec's migration Job succeeds with these versions applied; the Deployment rolls out. */
  private void migrateAndRollOut(String... applied) {
    reconcile();
    kube.finishJob(jobName(), true, null, 0);
    database.applied(applied);
    reconcile();
    rollOutFully();
  }

  /**
   * No expectedVersion: the Job's own report (newest 1001) says what was applied, and the database
   * holds 1000 and 1001.
   */
  private void migrateWithoutAnExpectedVersionReporting1001() {
    edit(r -> r.getSpec().getMigration().setExpectedVersion(null));
    reconcile();
    kube.finishJob(
        jobName(), true, "fleetlm-migrations/v1 shipped=2 newest=1001 down=0 unknown=0", 0);
    database.applied("1000", "1001");
  }

  /** One event's reconcile, followed by the passes it asks for at once, as JOSDK runs them. */
  private ReleaseReconciliation.Outcome reconcile() {
    ReleaseReconciliation.Outcome outcome = pass();
    for (int i = 0; i < 3 && outcome.requeueAfter().equals(ReleaseReconciliation.AT_ONCE); i++) {
      outcome = pass();
    }
    return outcome;
  }

  private ReleaseReconciliation.Outcome pass() {
    return reconcileFrom(kube.current());
  }

  /** A reconcile of the release as the cache held it, which may be older than the stored one. */
  private ReleaseReconciliation.Outcome reconcileFrom(FleetlmRelease release) {
    now = now.plusSeconds(1);
    Map<String, Job> jobs =
        kube.jobs.values().stream()
            .collect(
                Collectors.toMap(
                    j -> j.getMetadata().getLabels().get(ResourceNames.LABEL_MIGRATION_ID),
                    Function.identity()));
    int writesBefore = kube.statusWrites.size();
    ReleaseReconciliation.Outcome outcome =
        reconciliation.reconcile(
            new Observation(
                release,
                jobs,
                Map.copyOf(kube.podsByJob),
                Optional.ofNullable(kube.deployments.get("chat")),
                new Observation.Cluster(
                    kube.services, kube.budgets.values().stream().findFirst(), kube.slices),
                now));
    // Checked on every pass of every test: a reconcile writes the status at most once.
    assertThat(kube.statusWrites.size() - writesBefore)
        .as("status writes in one pass")
        .isLessThanOrEqualTo(1);
    return outcome;
  }

  private void edit(Consumer<FleetlmRelease> change) {
    kube.editRelease(change);
  }

  /** The spec's migration identity in the database its Secret names now. */
  private String targetId() {
    String url =
        new String(
            Base64.getDecoder()
                .decode(
                    kube.secrets
                        .get(kube.stored.getSpec().getDatabase().getUrlSecretRef().getName())
                        .getData()
                        .get("DATABASE_URL")),
            StandardCharsets.UTF_8);
    return DatabaseScope.of(
        MigrationIdentity.of(kube.stored.getSpec()),
        Optional.of(DatabaseUrl.parse(url).identity()),
        Optional.ofNullable(status()).map(FleetlmReleaseStatus::getHistory).orElse(List.of()));
  }

  private static io.fabric8.kubernetes.api.model.Secret databaseSecret(String name, String url) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .addToData("DATABASE_URL", base64(url))
        .addToData("SECRET_KEY_BASE", base64(KEY_BASE))
        .build();
  }

  /** The Secret the app pods read DATABASE_URL from. */
  private String databaseSecretOfPods() {
    return appEnv().stream()
        .filter(e -> e.getName().equals("DATABASE_URL"))
        .findFirst()
        .orElseThrow()
        .getValueFrom()
        .getSecretKeyRef()
        .getName();
  }

  private String jobName() {
    return ResourceNames.migrationJobName(kube.stored, targetId());
  }

  private FleetlmReleaseStatus status() {
    return kube.stored.getStatus();
  }

  private ReleaseCondition condition(String type) {
    return status().getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow();
  }

  private List<String> reasons() {
    return kube.events.stream().map(e -> e.reason().name()).toList();
  }

  private ReleaseEvent lastEvent(String reason) {
    return kube.events.stream()
        .filter(e -> e.reason().name().equals(reason))
        .reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("no " + reason + " Event in " + reasons()));
  }

  private static RuntimeException assertThrowsFrom(Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      return e;
    }
    throw new AssertionError("expected the reconcile to throw");
  }

  private static KubernetesClientException refused(String kind, String message) {
    return new KubernetesClientException(
        new StatusBuilder()
            .withCode(422)
            .withReason("Invalid")
            .withMessage(kind + " \"chat\" is invalid: " + message)
            .withNewDetails()
            .withKind(kind.toLowerCase() + "s")
            .withName("chat")
            .endDetails()
            .build());
  }

  private static String json(Object value) {
    return io.fabric8.kubernetes.client.utils.Serialization.asJson(value);
  }

  private static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }
}
