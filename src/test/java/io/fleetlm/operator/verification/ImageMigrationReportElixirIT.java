package io.fleetlm.operator.verification;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.it.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The migration Job's Elixir expression, run for real under Debian's Elixir (hack/tools/elixir.sh)
 * against stand-ins of FleetLM's release helper and of Ecto.Migrator that return the documented
 * shape, [{:up | :down, version, name}], with a missing file as "** FILE NOT FOUND **". The line it
 * writes is read back by the operator's parser.
 */
class ImageMigrationReportElixirIT {

  private static final String STAND_INS =
      """
      defmodule Fleetlm.Release do
        def migrate, do: send(self(), :migrated)
      end
      defmodule Fleetlm.Repo do
      end
      defmodule Ecto.Migrator do
        def with_repo(repo, fun), do: {:ok, fun.(repo), [:fleetlm]}
        def migrations(Fleetlm.Repo), do: Application.get_env(:standin, :migrations)
      end
      """;

  @TempDir Path dir;

  @Test
  void aDatabaseInStepWithTheImageReportsNothingDownAndNothingUnknown() throws IOException {
    ImageMigrationReport report =
        run(
            "[{:up, 20250930063818, \"create_conversations\"},"
                + " {:up, 20251021155555, \"add_archived\"}]");

    assertThat(report)
        .isEqualTo(new ImageMigrationReport(2, "20251021155555", 0, List.of(), 0, List.of()));
  }

  @Test
  void pendingAndUnknownMigrationsAreCountedListedAndSorted() throws IOException {
    ImageMigrationReport report =
        run(
            "[{:up, 1001, \"a\"}, {:down, 1003, \"c\"}, {:down, 1002, \"b\"},"
                + " {:up, 999, \"** FILE NOT FOUND **\"}, {:up, 2000, \"** FILE NOT FOUND **\"}]");

    assertThat(report.shipped()).isEqualTo(3);
    assertThat(report.newest()).isEqualTo("1003");
    assertThat(report.downCount()).isEqualTo(2);
    assertThat(report.down()).containsExactly("1002", "1003");
    assertThat(report.unknownCount()).isEqualTo(2);
    assertThat(report.unknown()).containsExactly("999", "2000");
  }

  @Test
  void aLongListStaysWithinTheKubeletsLimitAndKeepsItsCount() throws IOException {
    StringBuilder many = new StringBuilder("[");
    for (long v = 20250101000000L; v < 20250101000000L + 500; v++) {
      many.append(many.length() > 1 ? ", " : "").append("{:down, ").append(v).append(", \"m\"}");
    }
    String line = runRaw(many.append("]").toString());

    assertThat(line.getBytes()).hasSizeLessThan(1024);
    ImageMigrationReport report = ImageMigrationReport.parse(line).orElseThrow();
    assertThat(report.downCount()).isEqualTo(500);
    assertThat(report.down()).hasSize(ImageMigrationReport.LISTED);
  }

  @Test
  void anImageWithNoMigrationsHasNoNewest() throws IOException {
    assertThat(run("[]").newest()).isNull();
  }

  private ImageMigrationReport run(String migrations) throws IOException {
    return ImageMigrationReport.parse(runRaw(migrations)).orElseThrow();
  }

  /** Evaluates the Job's expression as bin/fleetlm eval would, writing into the temp dir. */
  private String runRaw(String migrations) throws IOException {
    Path out = dir.resolve("termination-log");
    Path expression = dir.resolve("expression.exs");
    Files.writeString(
        expression,
        ImageMigrationReport.MIGRATE_AND_REPORT.replace("/dev/termination-log", out.toString()));
    Path script = dir.resolve("run.exs");
    Files.writeString(
        script,
        STAND_INS
            + "Application.put_env(:standin, :migrations, "
            + migrations
            + ")\n"
            + "Code.eval_string(File.read!(\""
            + expression
            + "\"))\n"
            + "receive do\n  :migrated -> :ok\nafter\n  0 -> raise \"migrate was not called\"\nend\n");
    Tools.Result result = Tools.run(Map.of(), elixir(), script.toString());
    assertThat(result.exitCode()).as(result.output()).isZero();
    return Files.readString(out);
  }

  private static String elixir() {
    Tools.Result found = Tools.run(Map.of(), "hack/tools/elixir.sh");
    assertThat(found.exitCode()).as(found.output()).isZero();
    String[] lines = found.output().strip().split("\n");
    return lines[lines.length - 1].strip() + "/elixir";
  }
}
