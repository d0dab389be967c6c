package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fleetlm.operator.api.FleetlmRelease;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.Optional;

/**
 * The Lease that says which migration owns a database: one per database identity (host, port, name;
 * never credentials), in the operator's namespace. Creating it is the atomic claim; the API server
 * refuses a second Lease of the same name.
 */
public final class MigrationLockLease {

  public static final String LABEL_LOCK = "fleetlm.io/lock";
  public static final String LOCK_SELECTOR = LABEL_LOCK + "=database";
  public static final String ANNOTATION_DATABASE = "fleetlm.io/database";
  public static final String ANNOTATION_JOB = "fleetlm.io/job";

  /**
   * Set by a release that waits for the Lease, from any operator: its holder then deletes the Lease
   * when its migration ends (the delete is the event that wakes the waiter) rather than keeping it.
   */
  public static final String ANNOTATION_AWAITED = "fleetlm.io/awaited";

  private MigrationLockLease() {}

  public static String name(String databaseIdentity) {
    return "fleetlm-db-" + ResourceNames.shortHash(databaseIdentity, 16);
  }

  /** Who holds the lock: a release's migration identity. */
  public static String holder(FleetlmRelease release, String migrationId) {
    return holderPrefix(release) + migrationId;
  }

  /** Every holder identity of one release starts with this. */
  public static String holderPrefix(FleetlmRelease release) {
    return release.getMetadata().getNamespace() + "/" + release.getMetadata().getName() + "/";
  }

  public static Lease build(
      String namespace,
      String databaseIdentity,
      FleetlmRelease release,
      String migrationId,
      String jobName,
      Instant now) {
    return new LeaseBuilder()
        .withNewMetadata()
        .withName(name(databaseIdentity))
        .withNamespace(namespace)
        .withLabels(
            Map.of(
                ResourceNames.LABEL_MANAGED_BY, ResourceNames.MANAGED_BY, LABEL_LOCK, "database"))
        .withAnnotations(
            Map.of(
                ANNOTATION_DATABASE,
                databaseIdentity,
                ANNOTATION_JOB,
                release.getMetadata().getNamespace() + "/" + jobName))
        .endMetadata()
        .withNewSpec()
        .withHolderIdentity(holder(release, migrationId))
        .withAcquireTime(ZonedDateTime.ofInstant(now, ZoneOffset.UTC))
        .endSpec()
        .build();
  }

  public static String holderOf(Lease lease) {
    return lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  /** namespace/name of the holder's Job. */
  public static Optional<String> jobOf(Lease lease) {
    return annotation(lease, ANNOTATION_JOB);
  }

  /** Whether a release waits for this Lease (see {@link #ANNOTATION_AWAITED}). */
  public static boolean awaited(Lease lease) {
    return annotation(lease, ANNOTATION_AWAITED).filter("true"::equals).isPresent();
  }

  /** A copy of the Lease, at its resourceVersion, saying that a release waits for it. */
  public static Lease markedAwaited(Lease lease) {
    return new LeaseBuilder(lease)
        .editMetadata()
        .addToAnnotations(ANNOTATION_AWAITED, "true")
        .endMetadata()
        .build();
  }

  /** The database identity (host:port/name) the Lease is named after. */
  public static Optional<String> databaseOf(Lease lease) {
    return annotation(lease, ANNOTATION_DATABASE);
  }

  private static Optional<String> annotation(Lease lease, String key) {
    return Optional.ofNullable(lease.getMetadata().getAnnotations()).map(a -> a.get(key));
  }

  public static Optional<Instant> acquiredAt(Lease lease) {
    return Optional.ofNullable(lease.getSpec())
        .map(s -> s.getAcquireTime())
        .map(ZonedDateTime::toInstant);
  }
}
