package io.fleetlm.operator.reconciler;

import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.database.DatabaseUnavailableException;
import io.fleetlm.operator.database.DatabaseUrl;
import io.fleetlm.operator.database.InvalidDatabaseUrlException;
import io.fleetlm.operator.database.SchemaHistory;
import io.fleetlm.operator.database.SchemaHistoryReader;
import io.fleetlm.operator.kube.KubernetesPort;
import io.fleetlm.operator.kube.MigrationJobFactory;
import io.fleetlm.operator.rollout.MigrationProgress;
import io.fleetlm.operator.rollout.MigrationProgress.Stage;
import io.fleetlm.operator.rollout.RollbackPlan;
import io.fleetlm.operator.secrets.MissingSecretException;
import io.fleetlm.operator.verification.ExpectedSchema;
import io.fleetlm.operator.verification.ImageContract;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Starts a release's migration: checks its Secrets and that the database answers, claims the
 * database (one migration per database), and creates the migration Job, or the rollback Job when
 * the spec asks for an older schema than the database holds.
 */
final class MigrationStart {

  private static final Logger LOG = Logger.getLogger(MigrationStart.class);

  private final KubernetesPort kube;
  private final SchemaHistoryReader historyReader;
  private final VerificationBackoff backoff;
  private final MigrationLocks locks;
  private final MigrationVerification verification;

  MigrationStart(
      KubernetesPort kube,
      SchemaHistoryReader historyReader,
      VerificationBackoff backoff,
      MigrationLocks locks,
      MigrationVerification verification) {
    this.kube = kube;
    this.historyReader = historyReader;
    this.backoff = backoff;
    this.locks = locks;
    this.verification = verification;
  }

  StepResult createJob(MigrationTarget t) {
    // A Job without its Secrets, or against a database that does not answer, would only fail
    // later: say so now, and start nothing.
    DatabaseUrl url;
    try {
      t.secrets.checkDatabaseSecrets();
      url = t.secrets.databaseUrl();
    } catch (MissingSecretException | InvalidDatabaseUrlException e) {
      return t.result(t.blockedBy(e));
    }
    String backoffKey = t.observation.release().getMetadata().getUid() + "/preflight/" + t.id;
    try {
      historyReader.probe(url);
      backoff.reset(backoffKey);
    } catch (DatabaseUnavailableException e) {
      String problem = t.secrets.masker().mask(e.getMessage());
      if (e.credentialsRefused()) {
        String message =
            "the database refuses the credentials in DATABASE_URL ("
                + problem
                + "); fix the Secret and the migration starts";
        return t.result(
            new MigrationProgress(
                Stage.BLOCKED, Reason.DatabaseAuthFailed, message, null, message));
      }
      return unreachable(t, backoffKey, problem);
    }
    MigrationLocks.Claim claim =
        locks.claim(url.identity(), t.observation.release(), t.id, t.jobName, t.now);
    if (!claim.granted()) {
      return t.result(
          MigrationProgress.of(
              Stage.WAITING,
              Reason.WaitingForDatabase,
              "database "
                  + url.identity()
                  + " is being migrated by "
                  + claim.holder()
                  + (claim.holderJob() == null ? "" : " (Job " + claim.holderJob() + ")")
                  + (claim.since() == null ? "" : " since " + claim.since())
                  + "; the migration of "
                  + t.image()
                  + " starts when that one ends: one migration per database at a time"
                  + (claim.unseen() == null ? "" : ". Note: " + claim.unseen())));
    }
    ExpectedSchema expected = ExpectedSchema.of(t.migration());
    if (expected.rollback()) {
      return startRollback(t, url, expected, backoffKey);
    }
    if (kube.createJob(MigrationJobFactory.build(t.observation.release(), t.id))) {
      LOG.infof("%s: created migration Job %s for %s", t.observation.name(), t.jobName, t.image());
    }
    return StepResult.of(
        MigrationProgress.of(
            Stage.MIGRATING,
            Reason.MigrationRunning,
            // Worded as the reconciles that follow word it: the same status is not written twice.
            t.running("migration")),
        t.history.started(
            t.id, t.image(), t.observation.generation(), t.jobName, t.now, t.database()),
        t.verifiedId);
  }

  private StepResult unreachable(MigrationTarget t, String backoffKey, String problem) {
    VerificationBackoff.Retry retry = backoff.next(backoffKey, t.now);
    return t.result(
            MigrationProgress.of(
                Stage.WAITING,
                Reason.DatabaseUnreachable,
                "no migration starts until the database answers (attempt "
                    + retry.attempt()
                    + ", next in "
                    + retry.delay().toSeconds()
                    + "s): "
                    + problem))
        .retryAfter(retry.delay());
  }

  /**
   * A rollback reverts what is applied above the target, so it starts from the database: with
   * nothing to revert (or a target that is not applied) no Job runs and verification says so.
   */
  private StepResult startRollback(
      MigrationTarget t, DatabaseUrl url, ExpectedSchema expected, String backoffKey) {
    String to = expected.rollbackTo();
    SchemaHistory schemaHistory;
    try {
      schemaHistory = historyReader.read(url, expected.tool(), expected.historyTable());
    } catch (DatabaseUnavailableException e) {
      return unreachable(t, backoffKey, t.secrets.masker().mask(e.getMessage()));
    }
    RollbackPlan plan = RollbackPlan.of(schemaHistory, to);
    if (!plan.needsJob()) {
      return verification.verifyFrom(
          t,
          t.history
              .started(t.id, t.image(), t.observation.generation(), null, t.now, t.database())
              .rollingBack(t.id, to, "none: " + plan.describe()),
          Optional.empty(),
          false);
    }
    String jobImage = rollbackImage(t);
    if (jobImage == null) {
      String message =
          "the database holds "
              + plan.describe()
              + ", and no image is known to revert them: this release has verified no image"
              + " yet. Set spec.migration.rollbackImage to the image that applied them";
      return t.result(
          new MigrationProgress(
              Stage.BLOCKED, Reason.RollbackImageUnknown, message, null, message));
    }
    if (t.history.lacksReleaseHelper(jobImage)) {
      String message = ImageContract.noRollback(jobImage);
      return t.result(
          new MigrationProgress(Stage.BLOCKED, Reason.UnsupportedImage, message, null, message));
    }
    if (kube.createJob(
        MigrationJobFactory.buildRollback(
            t.observation.release(), t.id, jobImage, plan.inclusiveBound()))) {
      LOG.infof(
          "%s: created rollback Job %s with %s: %s",
          t.observation.name(), t.jobName, jobImage, plan.describe());
    }
    return StepResult.of(
        MigrationProgress.of(
            Stage.MIGRATING,
            Reason.RollbackRunning,
            "rollback Job "
                + t.jobName
                + " started with "
                + jobImage
                + " to revert "
                + plan.describe()
                + "; "
                + t.image()
                + " is deployed once the database ends at "
                + to),
        t.history
            .started(t.id, t.image(), t.observation.generation(), t.jobName, t.now, t.database())
            .rollingBack(
                t.id,
                to,
                jobImage + " reverting every version from " + plan.inclusiveBound() + " up"),
        t.verifiedId);
  }

  /** The image that knows the migrations to revert: the spec's choice, else the verified one. */
  private String rollbackImage(MigrationTarget t) {
    String chosen = t.migration().getRollbackImage();
    if (chosen != null) {
      return chosen;
    }
    return t.verifiedId == null
        ? null
        : t.history.find(t.verifiedId).map(ReleaseRecord::image).orElse(null);
  }
}
