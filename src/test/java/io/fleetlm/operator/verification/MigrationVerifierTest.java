package io.fleetlm.operator.verification;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.api.MigrationSpec;
import io.fleetlm.operator.api.MigrationTool;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.SchemaAheadPolicy;
import io.fleetlm.operator.database.AppliedMigration;
import io.fleetlm.operator.database.SchemaHistory;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MigrationVerifierTest {

  @Test
  void passesWhenTheExpectedVersionIsApplied() {
    VerificationResult result =
        MigrationVerifier.verify(
            ecto("20250930063818", "20251021155555"), expect("20251021155555"));
    assertThat(result.passed()).isTrue();
    assertThat(result.reason()).isEqualTo(Reason.Verified);
    assertThat(result.latestVersion()).isEqualTo("20251021155555");
  }

  @Test
  void listsEveryRequiredVersionThatIsMissing() {
    ExpectedSchema expected =
        new ExpectedSchema(
            MigrationTool.ECTO,
            "schema_migrations",
            "1003",
            new LinkedHashSet<>(List.of("1003", "1001", "1002")));
    VerificationResult result = MigrationVerifier.verify(ecto("1001"), expected);
    assertThat(result.passed()).isFalse();
    assertThat(result.reason()).isEqualTo(Reason.MigrationsMissing);
    assertThat(result.missing()).containsExactly("1002", "1003");
    assertThat(result.message()).contains("1002, 1003").contains("newest applied: 1001");
  }

  @Test
  void ectoVersionsCompareNumericallyNotAsText() {
    VerificationResult result = MigrationVerifier.verify(ecto("9", "10"), expect("9"));
    assertThat(result.latestVersion()).isEqualTo("10");
    assertThat(result.reason()).isEqualTo(Reason.SchemaAhead);
    assertThat(result.ahead()).containsExactly("10");
  }

  @Test
  void aDatabaseAheadOfTheReleaseBlocksByDefaultNamingTheVersionsAndTheWaysForward() {
    VerificationResult result =
        MigrationVerifier.verify(ecto("1001", "1002", "1003"), expect("1001"));
    assertThat(result.passed()).isFalse();
    assertThat(result.reason()).isEqualTo(Reason.SchemaAhead);
    assertThat(result.message())
        .contains("1002, 1003")
        .contains("spec.migration.rollbackTo: \"1001\" (the version the database ends at")
        .contains("schemaAhead: Allow");
  }

  @Test
  void aDatabaseAheadOfTheReleasePassesWhenAllowed() {
    var allowing = allowingNewer("1001");
    VerificationResult result = MigrationVerifier.verify(ecto("1001", "1002", "1003"), allowing);
    assertThat(result.passed()).isTrue();
    assertThat(result.reason()).isEqualTo(Reason.SchemaAhead);
    assertThat(result.message()).contains("1002, 1003").contains("allowed");
  }

  @Test
  void missingHistoryTableFailsWithAFix() {
    VerificationResult result =
        MigrationVerifier.verify(SchemaHistory.missing("schema_migrations"), expect("1"));
    assertThat(result.passed()).isFalse();
    assertThat(result.reason()).isEqualTo(Reason.HistoryTableMissing);
    assertThat(result.message()).contains("DATABASE_URL");
  }

  @Test
  void withoutExpectationsAnEmptyHistoryFailsAndAFilledOnePasses() {
    ExpectedSchema none =
        new ExpectedSchema(MigrationTool.ECTO, "schema_migrations", null, Set.of());
    assertThat(MigrationVerifier.verify(ecto(), none).reason()).isEqualTo(Reason.HistoryEmpty);
    VerificationResult filled = MigrationVerifier.verify(ecto("5"), none);
    assertThat(filled.passed()).isTrue();
    assertThat(filled.reason()).isEqualTo(Reason.HistoryPresent);
  }

  @Test
  void flywayFailedRowFailsEvenWhenTheVersionIsThere() {
    SchemaHistory history =
        new SchemaHistory(
            "flyway_schema_history",
            true,
            List.of(new AppliedMigration("1", true), new AppliedMigration("2", false)));
    ExpectedSchema expected =
        new ExpectedSchema(MigrationTool.FLYWAY, "flyway_schema_history", "1", Set.of("1"));
    VerificationResult result = MigrationVerifier.verify(history, expected);
    assertThat(result.passed()).isFalse();
    assertThat(result.reason()).isEqualTo(Reason.FailedMigrationRecorded);
    assertThat(result.message()).contains("2");
  }

  @Test
  void flywayVersionsFollowFlywayOrderingAndIgnoreRepeatables() {
    SchemaHistory history =
        new SchemaHistory(
            "flyway_schema_history",
            true,
            List.of(
                new AppliedMigration("1.9", true),
                new AppliedMigration("1.10", true),
                new AppliedMigration("repeatable:views", true)));
    ExpectedSchema expected =
        new ExpectedSchema(MigrationTool.FLYWAY, "flyway_schema_history", "1.10", Set.of("1.10"));
    VerificationResult result = MigrationVerifier.verify(history, expected);
    assertThat(result.passed()).isTrue();
    assertThat(result.reason()).isEqualTo(Reason.Verified);
    assertThat(result.latestVersion()).isEqualTo("1.10");
  }

  @Test
  void aRollbackPassesOnlyWhenTheDatabaseEndsAtItsTarget() {
    ExpectedSchema backTo1001 = ExpectedSchema.of(rollbackTo("1001"));

    VerificationResult done = MigrationVerifier.verify(ecto("1000", "1001"), backTo1001);
    assertThat(done.passed()).isTrue();
    assertThat(done.reason()).isEqualTo(Reason.RolledBack);
    assertThat(done.message()).contains("ends at 1001");

    VerificationResult incomplete =
        MigrationVerifier.verify(ecto("1000", "1001", "1003"), backTo1001);
    assertThat(incomplete.passed()).isFalse();
    assertThat(incomplete.reason()).isEqualTo(Reason.RollbackIncomplete);
    assertThat(incomplete.ahead()).containsExactly("1003");

    // Ecto's to: is inclusive: a helper called with the target itself reverts it too.
    VerificationResult tooFar = MigrationVerifier.verify(ecto("1000"), backTo1001);
    assertThat(tooFar.passed()).isFalse();
    assertThat(tooFar.reason()).isEqualTo(Reason.RollbackTargetNotApplied);
    assertThat(tooFar.message()).contains("newest applied: 1000");
  }

  @Test
  void theImagesOwnReportMakesItsNewestMigrationRequiredWithoutAnExpectedVersion() {
    ExpectedSchema none =
        new ExpectedSchema(MigrationTool.ECTO, "schema_migrations", null, Set.of());
    var report = new ImageMigrationReport(2, "1002", 0, List.of(), 0, List.of());

    VerificationResult passed =
        MigrationVerifier.verify(ecto("1001", "1002"), none, Optional.of(report));
    assertThat(passed.passed()).isTrue();
    assertThat(passed.reason()).isEqualTo(Reason.Verified);
    assertThat(passed.message()).contains("newest is 1002").contains("all 2 of its migration(s)");

    VerificationResult otherDatabase =
        MigrationVerifier.verify(ecto("1001"), none, Optional.of(report));
    assertThat(otherDatabase.reason()).isEqualTo(Reason.MigrationsPending);
    assertThat(otherDatabase.message()).contains("read different databases");
  }

  @Test
  void migrationsTheImageReportsDownArePending() {
    var report = new ImageMigrationReport(3, "1003", 2, List.of("1002", "1003"), 0, List.of());
    VerificationResult result =
        MigrationVerifier.verify(ecto("1001"), expect("1001"), Optional.of(report));
    assertThat(result.passed()).isFalse();
    assertThat(result.reason()).isEqualTo(Reason.MigrationsPending);
    assertThat(result.message())
        .contains("2 of its 3 migration(s) still down")
        .contains("1002, 1003");
  }

  @Test
  void migrationsTheImageHasNoFileForAreUnknownUnlessAllowed() {
    var report = new ImageMigrationReport(1, "1001", 0, List.of(), 1, List.of("999"));
    VerificationResult blocked =
        MigrationVerifier.verify(ecto("999", "1001"), expect("1001"), Optional.of(report));
    assertThat(blocked.reason()).isEqualTo(Reason.UnknownMigrationsInDatabase);
    assertThat(blocked.message()).contains("999").contains("FILE NOT FOUND");

    ExpectedSchema allowing = allowingNewer("1001");
    assertThat(
            MigrationVerifier.verify(ecto("999", "1001"), allowing, Optional.of(report)).passed())
        .isTrue();
  }

  private static SchemaHistory ecto(String... versions) {
    return new SchemaHistory(
        "schema_migrations",
        true,
        Arrays.stream(versions).map(v -> new AppliedMigration(v, true)).toList());
  }

  private static ExpectedSchema allowingNewer(String version) {
    return new ExpectedSchema(
        MigrationTool.ECTO,
        "schema_migrations",
        version,
        Set.of(version),
        SchemaAheadPolicy.Allow,
        null);
  }

  /** A spec as a user writes it: only rollbackTo, which also becomes the required version. */
  private static MigrationSpec rollbackTo(String version) {
    var spec = new MigrationSpec();
    spec.setRollbackTo(version);
    return spec;
  }

  private static ExpectedSchema expect(String version) {
    return new ExpectedSchema(MigrationTool.ECTO, "schema_migrations", version, Set.of(version));
  }
}
