package io.fleetlm.operator.reconciler;

import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.database.DatabaseUnavailableException;
import io.fleetlm.operator.database.DatabaseUrl;
import io.fleetlm.operator.database.InvalidDatabaseUrlException;
import io.fleetlm.operator.database.SchemaHistory;
import io.fleetlm.operator.database.SchemaHistoryReader;
import io.fleetlm.operator.rollout.MigrationProgress;
import io.fleetlm.operator.rollout.MigrationProgress.Stage;
import io.fleetlm.operator.secrets.MissingSecretException;
import io.fleetlm.operator.verification.ExpectedSchema;
import io.fleetlm.operator.verification.ImageMigrationReport;
import io.fleetlm.operator.verification.MigrationVerifier;
import io.fleetlm.operator.verification.VerificationResult;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * A verified release reads its history table again, every resync: a database restored from an older
 * backup, or rolled back by hand, no longer holds what was verified, and the release must not go on
 * saying Ready. It says SchemaBehind, naming the versions, and leaves the running pods alone; it
 * migrates only when the spec asks it to (onSchemaDrift: Migrate, see {@link
 * io.fleetlm.operator.kube.SchemaRepair}). Once the versions are back it is verified again.
 */
final class SchemaDrift {

  private static final Logger LOG = Logger.getLogger(SchemaDrift.class);

  /** What verification says when applied migrations are missing, rather than newer ones found. */
  private static final Set<Reason> LOST =
      Set.of(
          Reason.MigrationsMissing,
          Reason.HistoryEmpty,
          Reason.HistoryTableMissing,
          Reason.RollbackTargetNotApplied);

  /** How soon the pass that starts a repair follows the one that found the drift. */
  private static final Duration REPAIR_START = Duration.ofSeconds(1);

  private final SchemaHistoryReader historyReader;
  private final VerificationBackoff backoff;
  private final SchemaRechecks rechecks;

  SchemaDrift(
      SchemaHistoryReader historyReader, VerificationBackoff backoff, SchemaRechecks rechecks) {
    this.historyReader = historyReader;
    this.backoff = backoff;
    this.rechecks = rechecks;
  }

  /**
   * @param unchanged the verified release as its status says, when nothing is read or nothing
   *     changed
   */
  StepResult check(MigrationTarget t, StepResult unchanged) {
    Optional<String> behind = t.observation.schemaBehind();
    // Until the database is read again, a release found behind stays behind.
    StepResult asBefore = behind.map(message -> behind(t, message, null)).orElse(unchanged);
    String key = t.observation.release().getMetadata().getUid() + "/" + t.id;
    if (behind.isEmpty() && !rechecks.due(key, t.now)) {
      return unchanged;
    }
    DatabaseUrl url;
    try {
      url = t.secrets.databaseUrl();
    } catch (MissingSecretException | InvalidDatabaseUrlException e) {
      return asBefore;
    }
    ExpectedSchema expected = ExpectedSchema.of(t.migration());
    SchemaHistory history;
    String backoffKey = key + "/drift";
    try {
      history = historyReader.read(url, expected.tool(), expected.historyTable());
    } catch (DatabaseUnavailableException e) {
      // The pods were verified and keep serving; a database that does not answer is their
      // problem to report. Read again with backoff.
      LOG.debugf(
          "%s: drift check: %s", t.observation.name(), t.secrets.masker().mask(e.getMessage()));
      return asBefore.retryAfter(backoff.next(backoffKey, t.now).delay());
    }
    backoff.reset(backoffKey);
    rechecks.read(key, t.now);
    // The expected versions, then the newest the image said it applied: the report's other
    // checks compare the database with the Job's run, which drift is not.
    VerificationResult result = MigrationVerifier.verify(history, expected);
    Optional<String> imageNewest =
        t.history
            .find(t.id)
            .map(ReleaseRecord::output)
            .flatMap(ImageMigrationReport::parse)
            .map(ImageMigrationReport::newest)
            .filter(
                newest ->
                    history.rows().stream()
                        .noneMatch(row -> row.success() && newest.equals(row.version())));
    if (result.passed() && imageNewest.isPresent()) {
      result =
          new VerificationResult(
              false,
              Reason.MigrationsMissing,
              "the database lacks "
                  + imageNewest.get()
                  + ", the newest migration the image applied (newest applied: "
                  + Objects.requireNonNullElse(result.latestVersion(), "none")
                  + ").",
              result.latestVersion(),
              List.of(imageNewest.get()),
              List.of());
    }
    if (result.passed() || !LOST.contains(result.reason())) {
      return behind.isPresent()
          ? t.result(
              new MigrationProgress(
                  Stage.VERIFIED,
                  result.passed() ? result.reason() : Reason.Verified,
                  "verified again: " + result.message(),
                  result.latestVersion(),
                  null))
          : unchanged;
    }
    String message =
        "the database no longer holds what was verified: "
            + result.message()
            + " It was restored from an older backup or rolled back by hand? The running pods"
            + " keep serving. "
            + (t.observation.repairsDrift()
                ? "spec.migration.onSchemaDrift is Migrate: the migration Job runs again."
                : "Apply the migrations again (set spec.migration.onSchemaDrift to Migrate, or"
                    + " change spec.migration.runId), or release an image that does not need"
                    + " them.");
    StepResult found = behind(t, message, result.latestVersion());
    // The repair is the next pass's target (Observation.targetId): it comes once this status is
    // written, which does not start a pass by itself.
    return t.observation.repairsDrift() ? found.retryAfter(REPAIR_START) : found;
  }

  private static StepResult behind(MigrationTarget t, String message, String latestVersion) {
    return t.result(
        new MigrationProgress(
            Stage.VERIFICATION_FAILED, Reason.SchemaBehind, message, latestVersion, message));
  }
}
