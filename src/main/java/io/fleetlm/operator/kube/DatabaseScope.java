package io.fleetlm.operator.kube;

import io.fleetlm.operator.api.ReleaseRecord;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The identity a release is recorded, labelled and verified under: its {@link MigrationIdentity}
 * scoped to the database it migrates. A migration verified in one database says nothing of another,
 * so the same spec pointed at another database (another Secret, or a URL changed in place) is
 * another release there: its migration runs and is verified before any pod is rolled onto it.
 */
public final class DatabaseScope {

  private static final int DATABASE_HASH_LENGTH = 8;

  /** Stands in for a database the Secret does not name usably: nothing is verified there. */
  static final String UNREAD = "unread";

  private DatabaseScope() {}

  /**
   * @param migrationId the spec's migration identity
   * @param database the database the spec names now (host:port/name), empty when its Secret is
   *     missing or holds no usable URL
   * @param history status.history: records written before databases were recorded carry the bare
   *     migration identity and no database; they count for the database the spec names when this
   *     operator first reads them, which it then records ({@link
   *     io.fleetlm.operator.rollout.ReleaseHistory#adoptDatabase})
   */
  public static String of(
      String migrationId, Optional<String> database, List<ReleaseRecord> history) {
    if (database.isEmpty()) {
      return migrationId + "-" + UNREAD;
    }
    boolean recordedBare =
        Objects.requireNonNullElse(history, List.<ReleaseRecord>of()).stream()
            .anyMatch(
                r ->
                    migrationId.equals(r.migrationId())
                        && (r.database() == null || r.database().equals(database.get())));
    return recordedBare
        ? migrationId
        : migrationId + "-" + ResourceNames.shortHash(database.get(), DATABASE_HASH_LENGTH);
  }
}
