package io.fleetlm.operator.verification;

import io.fleetlm.operator.api.MigrationTool;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.SchemaAheadPolicy;
import io.fleetlm.operator.database.AppliedMigration;
import io.fleetlm.operator.database.SchemaHistory;
import java.math.BigInteger;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.flywaydb.core.api.MigrationVersion;

/**
 * Decides whether a database holds a release's migrations. Ecto's history has no checksum and no
 * failure flag, so for Ecto this compares version sets; Flyway adds failed rows.
 */
public final class MigrationVerifier {

  private static final int LISTED = 10;
  private static final String REPEATABLE = "repeatable:";

  private MigrationVerifier() {}

  public static VerificationResult verify(SchemaHistory history, ExpectedSchema expected) {
    return verify(history, expected, Optional.empty());
  }

  /**
   * @param image what the migration Job's image reported of its own migrations, when it did: the
   *     database must agree with it, and its newest migration is required
   */
  public static VerificationResult verify(
      SchemaHistory history, ExpectedSchema expected, Optional<ImageMigrationReport> image) {
    if (!history.tableExists()) {
      return failure(
          Reason.HistoryTableMissing,
          "table "
              + history.table()
              + " does not exist: no migration has run against this database. Check that the"
              + " migration writes to the database DATABASE_URL names, and that"
              + " spec.migration.tool matches the app ("
              + expected.tool().name().toLowerCase()
              + ").",
          null);
    }
    Comparator<String> order = versionOrder(expected.tool());
    List<String> failedRows =
        history.rows().stream().filter(r -> !r.success()).map(AppliedMigration::version).toList();
    TreeSet<String> applied =
        history.rows().stream()
            .filter(AppliedMigration::success)
            .map(AppliedMigration::version)
            .filter(v -> !v.startsWith(REPEATABLE))
            .collect(Collectors.toCollection(() -> new TreeSet<>(order)));
    String latest = applied.isEmpty() ? null : applied.last();
    if (!failedRows.isEmpty()) {
      return failure(
          Reason.FailedMigrationRecorded,
          history.table()
              + " records failed migrations: "
              + listed(failedRows)
              + ". Fix the database, run 'flyway repair', then change spec.migration.runId to"
              + " migrate again.",
          latest);
    }
    if (expected.rollback()) {
      List<String> above = List.copyOf(applied.tailSet(expected.rollbackTo(), false));
      if (!above.isEmpty()) {
        return new VerificationResult(
            false,
            Reason.RollbackIncomplete,
            "the database still holds "
                + above.size()
                + " migration(s) above rollbackTo "
                + expected.rollbackTo()
                + ": "
                + listed(above)
                + ". The rollback Job reported success without reverting them: check its"
                + " image and DATABASE_URL, then change spec.migration.runId to run it again.",
            latest,
            List.of(),
            above);
      }
      if (!applied.contains(expected.rollbackTo())) {
        return failure(
            Reason.RollbackTargetNotApplied,
            "rollbackTo "
                + expected.rollbackTo()
                + " is not applied (newest applied: "
                + Optional.ofNullable(latest).orElse("none")
                + "): the database must end at that version. Name an applied version in"
                + " spec.migration.rollbackTo, or migrate up to it with the image that ships it.",
            latest);
      }
    }
    if (image.isPresent()) {
      Optional<VerificationResult> disagreement =
          disagreement(image.get(), applied, expected, latest);
      if (disagreement.isPresent()) {
        return disagreement.get();
      }
    }
    TreeSet<String> required = new TreeSet<>(order);
    required.addAll(expected.required());
    image.map(ImageMigrationReport::newest).ifPresent(required::add);
    List<String> missing = required.stream().filter(v -> !applied.contains(v)).toList();
    if (!missing.isEmpty()) {
      return new VerificationResult(
          false,
          Reason.MigrationsMissing,
          "the database lacks "
              + missing.size()
              + " required migration(s): "
              + listed(missing)
              + " (newest applied: "
              + Optional.ofNullable(latest).orElse("none")
              + "). The migration Job reported success but did not apply them: check its"
              + " command and DATABASE_URL, then change spec.migration.runId to migrate again.",
          latest,
          missing,
          List.of());
    }
    if (required.isEmpty()) {
      if (applied.isEmpty()) {
        return failure(
            Reason.HistoryEmpty,
            history.table()
                + " is empty: the migration applied nothing. Set spec.migration.expectedVersion"
                + " to the release's newest migration so verification can tell what is missing.",
            null);
      }
      return new VerificationResult(
          true,
          Reason.HistoryPresent,
          "newest applied version is "
              + latest
              + "; no expectedVersion is set, so only the presence of a history was checked",
          latest,
          List.of(),
          List.of());
    }
    if (expected.rollback()) {
      return new VerificationResult(
          true,
          Reason.RolledBack,
          "the database ends at "
              + expected.rollbackTo()
              + " as spec.migration.rollbackTo asks: nothing above it is applied, and all "
              + required.size()
              + " required migration(s) are",
          latest,
          List.of(),
          List.of());
    }
    List<String> ahead = List.copyOf(applied.tailSet(required.last(), false));
    if (!ahead.isEmpty() && expected.schemaAhead() == SchemaAheadPolicy.Block) {
      return new VerificationResult(
          false,
          Reason.SchemaAhead,
          "the database holds "
              + ahead.size()
              + " migration(s) newer than this release knows: "
              + listed(ahead)
              + ". Either set spec.migration.rollbackTo: \""
              + required.last()
              + "\" (the version the database ends at: the operator reverts everything above it"
              + " with the newer image, then deploys this one), or, if this release tolerates the"
              + " newer schema, set spec.migration.schemaAhead: Allow.",
          latest,
          List.of(),
          ahead);
    }
    if (!ahead.isEmpty()) {
      return new VerificationResult(
          true,
          Reason.SchemaAhead,
          "all required migrations are applied; the database also holds "
              + ahead.size()
              + " newer version(s) this release does not know ("
              + listed(ahead)
              + "), allowed by spec.migration.schemaAhead: Allow.",
          latest,
          List.of(),
          ahead);
    }
    return new VerificationResult(
        true,
        Reason.Verified,
        "all "
            + required.size()
            + " required migration(s) applied; newest is "
            + latest
            + image
                .map(i -> "; the image reports all " + i.shipped() + " of its migration(s) up")
                .orElse(""),
        latest,
        List.of(),
        List.of());
  }

  /** Where the image's view of its migrations and the operator's read of the table part. */
  private static Optional<VerificationResult> disagreement(
      ImageMigrationReport image, TreeSet<String> applied, ExpectedSchema expected, String latest) {
    if (image.downCount() > 0) {
      return Optional.of(
          new VerificationResult(
              false,
              Reason.MigrationsPending,
              "the image reports "
                  + image.downCount()
                  + " of its "
                  + image.shipped()
                  + " migration(s) still down after its migration Job (Ecto.Migrator.migrations): "
                  + ImageMigrationReport.listed(image.down(), image.downCount())
                  + ". Check the migration's log in status.history, then change"
                  + " spec.migration.runId to migrate again.",
              latest,
              image.down(),
              List.of()));
    }
    if (image.newest() != null && !applied.contains(image.newest())) {
      return Optional.of(
          new VerificationResult(
              false,
              Reason.MigrationsPending,
              "the image reports its newest migration "
                  + image.newest()
                  + " as applied, but "
                  + "the operator's read of the database does not find it (newest applied: "
                  + Optional.ofNullable(latest).orElse("none")
                  + "): the Job and the operator read different databases. Check DATABASE_URL and"
                  + " the migration's repo configuration.",
              latest,
              List.of(image.newest()),
              List.of()));
    }
    if (image.unknownCount() > 0 && expected.schemaAhead() == SchemaAheadPolicy.Block) {
      return Optional.of(
          new VerificationResult(
              false,
              Reason.UnknownMigrationsInDatabase,
              "the database holds "
                  + image.unknownCount()
                  + " migration(s) this image has no file for (** FILE NOT FOUND **): "
                  + ImageMigrationReport.listed(image.unknown(), image.unknownCount())
                  + ". Roll them back with the image that ships them (spec.migration.rollbackTo),"
                  + " or, if this image tolerates them, set spec.migration.schemaAhead: Allow.",
              latest,
              List.of(),
              image.unknown()));
    }
    return Optional.empty();
  }

  static Comparator<String> versionOrder(MigrationTool tool) {
    return switch (tool) {
      case ECTO -> Comparator.comparing(MigrationVerifier::numeric);
      case FLYWAY -> Comparator.comparing(MigrationVersion::fromVersion);
    };
  }

  private static BigInteger numeric(String version) {
    try {
      return new BigInteger(version.trim());
    } catch (NumberFormatException e) {
      // Not an Ecto version; sort it last rather than failing the whole verification.
      return BigInteger.TEN.pow(40);
    }
  }

  private static VerificationResult failure(Reason reason, String message, String latest) {
    return new VerificationResult(false, reason, message, latest, List.of(), List.of());
  }

  private static String listed(List<String> versions) {
    String shown = versions.stream().limit(LISTED).collect(Collectors.joining(", "));
    return versions.size() > LISTED
        ? shown + " and " + (versions.size() - LISTED) + " more"
        : shown;
  }
}
