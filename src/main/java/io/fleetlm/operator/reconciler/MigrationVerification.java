package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.ReleaseOutcome;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.database.DatabaseUnavailableException;
import io.fleetlm.operator.database.DatabaseUrl;
import io.fleetlm.operator.database.InvalidDatabaseUrlException;
import io.fleetlm.operator.database.SchemaHistory;
import io.fleetlm.operator.database.SchemaHistoryReader;
import io.fleetlm.operator.rollout.MigrationProgress;
import io.fleetlm.operator.rollout.MigrationProgress.Stage;
import io.fleetlm.operator.rollout.ReleaseHistory;
import io.fleetlm.operator.secrets.MissingSecretException;
import io.fleetlm.operator.verification.ExpectedSchema;
import io.fleetlm.operator.verification.ImageMigrationReport;
import io.fleetlm.operator.verification.MigrationVerifier;
import io.fleetlm.operator.verification.VerificationResult;
import java.time.Duration;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Verifies a migration in the database: reads the history table, compares it with what the release
 * expects and what the image said of itself, and backs off while the database does not answer.
 */
final class MigrationVerification {

  private static final Logger LOG = Logger.getLogger(MigrationVerification.class);

  private final SchemaHistoryReader historyReader;
  private final VerificationBackoff backoff;

  MigrationVerification(SchemaHistoryReader historyReader, VerificationBackoff backoff) {
    this.historyReader = historyReader;
    this.backoff = backoff;
  }

  StepResult verify(MigrationTarget t, Optional<Job> job, boolean jobLost) {
    return verifyFrom(t, job.map(t::remembered).orElse(t.history), job, jobLost);
  }

  StepResult verifyFrom(
      MigrationTarget t, ReleaseHistory base, Optional<Job> job, boolean jobLost) {
    ReleaseHistory known = base;
    if (known.find(t.id).isEmpty()) {
      known =
          known.started(
              t.id, t.image(), t.observation.generation(), t.jobName, t.now, t.database());
    }
    if (job.isPresent()) {
      known = known.withOutput(t.id, t.lastWords(t.observation.podsOf(job.get())));
    }
    ReleaseOutcome outcome = known.find(t.id).orElseThrow().outcome();
    if (!jobLost && (outcome == ReleaseOutcome.Migrating || outcome == ReleaseOutcome.Superseded)) {
      known = known.mark(t.id, ReleaseOutcome.Migrated, null, null, null, t.now);
    }
    ExpectedSchema expected = ExpectedSchema.of(t.migration());
    String backoffKey = t.observation.release().getMetadata().getUid() + "/" + t.id;
    DatabaseUrl url;
    try {
      url = t.secrets.databaseUrl();
    } catch (MissingSecretException | InvalidDatabaseUrlException e) {
      return StepResult.of(t.blockedBy(e), known, t.verifiedId);
    }
    SchemaHistory schemaHistory;
    try {
      schemaHistory = historyReader.read(url, expected.tool(), expected.historyTable());
    } catch (DatabaseUnavailableException e) {
      VerificationBackoff.Retry retry = backoff.next(backoffKey, t.now);
      String problem = t.secrets.masker().mask(e.getMessage());
      LOG.warnf("%s: %s", t.observation.name(), problem);
      return StepResult.of(
              MigrationProgress.of(
                  Stage.VERIFYING,
                  Reason.DatabaseUnreachable,
                  (jobLost
                          ? "the migration Job was deleted while it ran; the database decides"
                              + " whether its migrations are in place, but cannot be read yet"
                          : "the migration Job succeeded but the database cannot be read yet")
                      + " (attempt "
                      + retry.attempt()
                      + ", next in "
                      + retry.delay().toSeconds()
                      + "s): "
                      + problem),
              known,
              t.verifiedId)
          .retryAfter(retry.delay());
    }
    backoff.reset(backoffKey);
    // What the image said of its own migrations, kept in the history so it outlives the Job.
    Optional<ImageMigrationReport> image =
        known.find(t.id).map(ReleaseRecord::output).flatMap(ImageMigrationReport::parse);
    VerificationResult result = MigrationVerifier.verify(schemaHistory, expected, image);
    if (!result.passed()) {
      Reason reason = jobLost ? Reason.MigrationJobDeleted : result.reason();
      String message =
          jobLost
              ? "migration Job "
                  + t.jobName
                  + " was deleted before it finished, and the database does not hold the"
                  + " release's migrations (verification: "
                  + result.reason()
                  + "). Check the database for a half-applied migration, then change"
                  + " spec.migration.runId to run the migration again"
              : result.message();
      return StepResult.of(
          t.failure(Stage.VERIFICATION_FAILED, reason, message),
          known.mark(t.id, ReleaseOutcome.Failed, result.latestVersion(), reason, message, t.now),
          t.verifiedId);
    }
    return new StepResult(
        new MigrationProgress(
            Stage.VERIFIED, result.reason(), result.message(), result.latestVersion(), null),
        known.mark(
            t.id,
            ReleaseOutcome.Verified,
            result.latestVersion(),
            result.reason(),
            result.message(),
            t.now),
        t.id,
        true,
        Duration.ZERO);
  }
}
