package io.fleetlm.operator.verification;

import java.util.List;
import java.util.Optional;

/**
 * Whether a migration container's last words say that its image lacks the release helper the
 * operator drives ({@code Fleetlm.Release.migrate/0} and {@code rollback/2}), as images after
 * FleetLM's rename to Fastpaca do: Elixir then fails with an UndefinedFunctionError before any
 * migration runs. Such an image is not broken; it needs to be told its own migration command.
 */
public final class ImageContract {

  /** The range of images whose release has the helper, for messages and docs. */
  public static final String SUPPORTED =
      "FleetLM images from 2025-09-26 (1979b9d, which added the Dockerfile and Fleetlm.Release) to"
          + " 2025-10-25 (e5dabef, the last commit with lib/fleetlm)";

  private static final List<String> MISSING_HELPER =
      List.of(
          "module Fleetlm.Release is not available",
          "function Fleetlm.Release.migrate/0 is undefined",
          "function Fleetlm.Release.rollback/2 is undefined",
          "module Ecto.Migrator is not available");

  private ImageContract() {}

  /**
   * What to tell the user when the output shows the helper missing, or empty.
   *
   * @param output the container's termination message or log tail
   * @param image the image the container ran
   * @param rollback whether the container ran a rollback
   */
  public static Optional<String> unsupported(String output, String image, boolean rollback) {
    if (output == null || MISSING_HELPER.stream().noneMatch(output::contains)) {
      return Optional.empty();
    }
    return Optional.of(rollback ? noRollback(image) : noMigrate(image));
  }

  /** Why no rollback Job is started with an image already known to lack the helper. */
  public static String noRollback(String image) {
    return image
        + " has no Fleetlm.Release.rollback/2, so it cannot revert the schema (Fastpaca-era"
        + " images have no rollback at all). Set spec.migration.rollbackImage to a FleetLM image"
        + " that has it and ships the down migrations ("
        + SUPPORTED
        + "), or roll the database back by hand; then change spec.migration.runId";
  }

  private static String noMigrate(String image) {
    return image
        + " has no Fleetlm.Release, so the operator's default migration command cannot run: it"
        + " drives "
        + SUPPORTED
        + ". Images after FleetLM's rename to Fastpaca run /app/fastpaca/bin/fastpaca and have"
        + " Fastpaca.ReleaseTasks.migrate/0 only. Set spec.migration.args to the image's own"
        + " command, e.g. [\"eval\", \"Fastpaca.ReleaseTasks.migrate()\"] (Fastpaca configures"
        + " its database only with FASTPACA_ARCHIVER_ENABLED=true in spec.env), set"
        + " spec.migration.expectedVersion (such a command reports no migration list), then"
        + " change spec.migration.runId. A schema rollback with such an image is refused: it has"
        + " no rollback";
  }
}
