package io.fleetlm.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobFailureMessagesTest {

  private static final Job JOB =
      new JobBuilder().withNewMetadata().withName("m").endMetadata().build();

  @Test
  void anElixirCrashInALogTailIsSaidFirstThenTheTail() {
    String tail =
        "12:00:01 [info] == Running 20251021155555 Fleetlm.Repo.Migrations.X.up/0 forward\n"
            + "** (Postgrex.Error) ERROR 42701 (duplicate_column) column \"a\" already exists\n"
            + "    (fleetlm_double 0.1.0) lib/ecto_migrator.ex:121: Ecto.Migrator.migrate/4\n";

    String message =
        JobFailureMessages.describe(
            JOB, "BackoffLimitExceeded", null, List.of(ended(tail)), t -> t);

    assertThat(message)
        .contains(
            "exit code 1 (Error): ** (Postgrex.Error) ERROR 42701 (duplicate_column) column"
                + " \"a\" already exists; output: 12:00:01 [info] == Running");
  }

  @Test
  void aLongTailKeepsTheCrashAndItsEnd() {
    String tail =
        "x".repeat(5000) + "\n** (RuntimeError) boom\n" + "y".repeat(5000) + "\nlast line";

    String message =
        JobFailureMessages.describe(
            JOB, "BackoffLimitExceeded", null, List.of(ended(tail)), t -> t);

    assertThat(message)
        .contains("exit code 1 (Error): ** (RuntimeError) boom; output: …")
        .endsWith("last line");
    assertThat(message.length()).isLessThan(2300);
  }

  @Test
  void aMessageWithoutACrashIsKeptAsItIs() {
    assertThat(JobFailureMessages.describe(JOB, null, null, List.of(ended("disk full")), t -> t))
        .endsWith("exit code 1 (Error): disk full");
  }

  @Test
  void aSecretIsMaskedBeforeTheTextIsCutSoThatNoPartOfItShows() {
    String secret = "s3cr3t-p4ssw0rd-" + "x".repeat(40);
    // The secret straddles the point where the last 2 KiB begin.
    String tail = secret + "y".repeat(2030);

    String message =
        JobFailureMessages.describe(
            JOB, null, null, List.of(ended(tail)), t -> t.replace(secret, "****"));

    assertThat(message).doesNotContain("x".repeat(10)).contains("****");
  }

  private static Pod ended(String message) {
    return new PodBuilder()
        .withNewStatus()
        .addNewContainerStatus()
        .withNewState()
        .withNewTerminated()
        .withExitCode(1)
        .withReason("Error")
        .withMessage(message)
        .withFinishedAt("2026-12-04T12:00:02Z")
        .endTerminated()
        .endState()
        .endContainerStatus()
        .endStatus()
        .build();
  }
}
