package io.fleetlm.operator.rollout;

import static io.fleetlm.operator.rollout.MigrationStep.Kind.ALREADY_VERIFIED;
import static io.fleetlm.operator.rollout.MigrationStep.Kind.AWAIT_JOB;
import static io.fleetlm.operator.rollout.MigrationStep.Kind.AWAIT_SUPERSEDED_JOB;
import static io.fleetlm.operator.rollout.MigrationStep.Kind.CREATE_JOB;
import static io.fleetlm.operator.rollout.MigrationStep.Kind.JOB_FAILED;
import static io.fleetlm.operator.rollout.MigrationStep.Kind.PAUSED;
import static io.fleetlm.operator.rollout.MigrationStep.Kind.PREVIOUSLY_FAILED;
import static io.fleetlm.operator.rollout.MigrationStep.Kind.VERIFY;
import static io.fleetlm.operator.rollout.MigrationStep.Kind.VERIFY_AFTER_JOB_LOST;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.api.ReleaseOutcome;
import io.fleetlm.operator.kube.MigrationJobState;
import io.fleetlm.operator.kube.MigrationJobState.Kind;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MigrationPlannerTest {

  private static final String TARGET = "aaaa";
  private static final Optional<MigrationJobState> NO_JOB = Optional.empty();
  private static final Optional<ReleaseOutcome> NO_RECORD = Optional.empty();

  @Test
  void verifiedTargetNeedsNoMigrationWhateverElseIsSeen() {
    assertThat(next(TARGET, Optional.of(ReleaseOutcome.Verified), job(Kind.FAILED), List.of("x")))
        .isEqualTo(ALREADY_VERIFIED);
  }

  @Test
  void newReleaseWithNothingRunningCreatesTheJob() {
    assertThat(next(null, NO_RECORD, NO_JOB, List.of())).isEqualTo(CREATE_JOB);
  }

  @Test
  void newReleaseWaitsWhileAnotherReleasesJobRuns() {
    MigrationStep step =
        MigrationPlanner.next(TARGET, "old", NO_RECORD, NO_JOB, List.of("chat-migrate-old"), false);
    assertThat(step.kind()).isEqualTo(AWAIT_SUPERSEDED_JOB);
    assertThat(step.detail()).isEqualTo("chat-migrate-old");
  }

  @Test
  void jobStatesMapToSteps() {
    assertThat(next("old", NO_RECORD, job(Kind.RUNNING), List.of())).isEqualTo(AWAIT_JOB);
    assertThat(next("old", NO_RECORD, job(Kind.SUCCEEDED), List.of())).isEqualTo(VERIFY);
    assertThat(next("old", NO_RECORD, job(Kind.FAILED), List.of())).isEqualTo(JOB_FAILED);
  }

  @Test
  void failedJobCarriesItsReason() {
    MigrationStep step =
        MigrationPlanner.next(
            TARGET,
            null,
            NO_RECORD,
            Optional.of(new MigrationJobState(Kind.FAILED, "DeadlineExceeded", "too long")),
            List.of(),
            false);
    assertThat(step.detail()).isEqualTo("DeadlineExceeded");
  }

  @ParameterizedTest
  @EnumSource(
      value = ReleaseOutcome.class,
      names = {"Migrated", "Verified", "Superseded"})
  void recordedReleaseWhoseJobIsGoneIsVerifiedNeverMigratedAgain(ReleaseOutcome outcome) {
    assertThat(next("old", Optional.of(outcome), NO_JOB, List.of())).isEqualTo(VERIFY);
    assertThat(next("old", Optional.of(outcome), NO_JOB, List.of("other"))).isEqualTo(VERIFY);
    assertThat(next("old", Optional.of(outcome), NO_JOB, List.of(), true)).isEqualTo(VERIFY);
  }

  @Test
  void aJobThatVanishedWhileRunningIsJudgedByTheDatabaseNeverRerun() {
    Optional<ReleaseOutcome> running = Optional.of(ReleaseOutcome.Migrating);
    assertThat(next("old", running, NO_JOB, List.of())).isEqualTo(VERIFY_AFTER_JOB_LOST);
    assertThat(next("old", running, NO_JOB, List.of("other"), true))
        .isEqualTo(VERIFY_AFTER_JOB_LOST);
  }

  @Test
  void pausedStartsNothingNewButKeepsWatchingWhatRuns() {
    assertThat(next("old", NO_RECORD, NO_JOB, List.of(), true)).isEqualTo(PAUSED);
    assertThat(next("old", NO_RECORD, NO_JOB, List.of("other"), true)).isEqualTo(PAUSED);
    assertThat(next("old", NO_RECORD, job(Kind.RUNNING), List.of(), true)).isEqualTo(AWAIT_JOB);
    assertThat(next("old", NO_RECORD, job(Kind.SUCCEEDED), List.of(), true)).isEqualTo(VERIFY);
    assertThat(next("old", NO_RECORD, job(Kind.FAILED), List.of(), true)).isEqualTo(JOB_FAILED);
    assertThat(next(TARGET, NO_RECORD, NO_JOB, List.of(), true)).isEqualTo(ALREADY_VERIFIED);
  }

  @Test
  void failedReleaseStaysFailedEvenWhenItsJobIsGoneOrSucceededLater() {
    assertThat(next("old", Optional.of(ReleaseOutcome.Failed), NO_JOB, List.of()))
        .isEqualTo(PREVIOUSLY_FAILED);
    assertThat(next("old", Optional.of(ReleaseOutcome.Failed), job(Kind.SUCCEEDED), List.of()))
        .isEqualTo(PREVIOUSLY_FAILED);
  }

  @Test
  void runningTargetJobIsAwaitedEvenIfOtherJobsRun() {
    assertThat(next("old", NO_RECORD, job(Kind.RUNNING), List.of("other"))).isEqualTo(AWAIT_JOB);
  }

  private static MigrationStep.Kind next(
      String verifiedId,
      Optional<ReleaseOutcome> record,
      Optional<MigrationJobState> job,
      List<String> others) {
    return next(verifiedId, record, job, others, false);
  }

  private static MigrationStep.Kind next(
      String verifiedId,
      Optional<ReleaseOutcome> record,
      Optional<MigrationJobState> job,
      List<String> others,
      boolean paused) {
    return MigrationPlanner.next(TARGET, verifiedId, record, job, others, paused).kind();
  }

  private static Optional<MigrationJobState> job(Kind kind) {
    return Optional.of(new MigrationJobState(kind, null, null));
  }
}
