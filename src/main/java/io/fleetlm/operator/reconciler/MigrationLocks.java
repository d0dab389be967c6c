package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.kube.KubernetesPort;
import io.fleetlm.operator.kube.MigrationJobState;
import io.fleetlm.operator.kube.MigrationLockLease;
import io.fleetlm.operator.kube.MigrationPods;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * One migration per database at a time, across releases and namespaces. A release claims its
 * database before it creates a Job, by creating a Lease named after the database, or by replacing
 * one whose holder's migration has ended or whose Job never came. Exclusivity rests on the API
 * server (a create, or a replace at the resourceVersion read), not on the Job: Kubernetes may start
 * a Job's pod twice, but two claims of one Lease cannot both succeed.
 *
 * <p>Once its migration has ended, a release's claim on the database it names now stays, unless a
 * release waits for it: the next migration of that database replaces it (one write), where a delete
 * and a create were two. A claim a release no longer needs (an earlier migration's, an earlier
 * database's), or one some release waits for (it says so on the Lease, {@link
 * MigrationLockLease#ANNOTATION_AWAITED}), is deleted; the delete is the event that wakes the
 * waiters, in this operator and in others sharing the lock namespace.
 */
final class MigrationLocks {

  /** How long a fresh claim whose Job does not exist yet is left alone: its Job is on its way. */
  static final Duration CLAIM_GRACE = Duration.ofSeconds(30);

  private static final Logger LOG = Logger.getLogger(MigrationLocks.class);

  private final KubernetesPort kube;
  private final String namespace;
  private final LockWaiters waiters;

  MigrationLocks(KubernetesPort kube, String namespace, LockWaiters waiters) {
    this.kube = kube;
    this.namespace = namespace;
    this.waiters = waiters;
  }

  /**
   * @param granted whether this migration may start
   * @param holder who holds the database otherwise (namespace/release/migration identity)
   * @param holderJob namespace/name of the holder's Job
   */
  record Claim(boolean granted, String holder, String holderJob, Instant since, String unseen) {
    static Claim ok() {
      return new Claim(true, null, null, null, null);
    }
  }

  /** What the holder's migration is doing, as far as this operator may see. */
  private enum Holder {
    DONE,
    RUNNING,
    /** In a namespace whose Jobs or pods this operator may not read. */
    HIDDEN
  }

  Claim claim(
      String database, FleetlmRelease release, String migrationId, String jobName, Instant now) {
    String me = MigrationLockLease.holder(release, migrationId);
    Lease wanted =
        MigrationLockLease.build(namespace, database, release, migrationId, jobName, now);
    String name = wanted.getMetadata().getName();
    // A Lease in the cache is read afresh rather than created: a create that the API server refuses
    // is a write request all the same.
    boolean cached = kube.cachedLeases(namespace).stream().anyMatch(l -> named(l, name));
    if (!cached && kube.createLease(wanted)) {
      return granted(release, wanted);
    }
    Optional<Lease> found = kube.lease(namespace, name);
    if (found.isEmpty()) {
      // Released between our create and our read: claim it now.
      return kube.createLease(wanted)
          ? granted(release, wanted)
          : waiting(release, wanted, null, false);
    }
    Lease held = found.get();
    if (me.equals(MigrationLockLease.holderOf(held))) {
      return granted(release, wanted);
    }
    // An older migration of this same release: the planner starts no Job while one of the
    // release's own Jobs runs, so its claim is stale (e.g. a stuck Job just stopped).
    String heldBy = MigrationLockLease.holderOf(held);
    boolean ownEarlierClaim =
        heldBy != null && heldBy.startsWith(MigrationLockLease.holderPrefix(release));
    Holder holder = ownEarlierClaim ? Holder.DONE : holderState(held, now);
    if (holder == Holder.DONE) {
      wanted.getMetadata().setResourceVersion(held.getMetadata().getResourceVersion());
      if (kube.replaceLease(wanted)) {
        LOG.infof(
            "%s: took over database %s from %s, whose migration has ended",
            me, database, MigrationLockLease.holderOf(held));
        return granted(release, wanted);
      }
      // Another release took it over first: the waiting release names that one.
      return waiting(release, wanted, kube.lease(namespace, name).orElse(null), false);
    }
    return waiting(release, wanted, held, holder == Holder.HIDDEN);
  }

  /**
   * Releases the claims of the release whose migration no longer runs, but for the one its next
   * migration would make anyway (see the class comment). Found by holder in the informer's cache: a
   * claim made before DATABASE_URL changed is released too.
   *
   * @param running migration identities of this release whose Jobs have not ended
   * @param latest the release's current migration identity
   * @param database the database the release names now (host:port/name), empty when unknown
   */
  void releaseUnlessRunning(
      FleetlmRelease release, Set<String> running, String latest, Optional<String> database) {
    String prefix = MigrationLockLease.holderPrefix(release);
    for (Lease held : kube.cachedLeases(namespace)) {
      String holder = MigrationLockLease.holderOf(held);
      if (holder == null || !holder.startsWith(prefix)) {
        continue;
      }
      String id = holder.substring(prefix.length());
      if (running.contains(id) || keptForNextMigration(held, id, latest, database)) {
        continue;
      }
      kube.deleteLease(held);
      LOG.debugf("%s: released Lease %s", holder, held.getMetadata().getName());
    }
  }

  private boolean keptForNextMigration(
      Lease held, String id, String latest, Optional<String> database) {
    return id.equals(latest)
        && database.isPresent()
        && database.get().equals(MigrationLockLease.databaseOf(held).orElse(null))
        && !MigrationLockLease.awaited(held)
        && !waiters.anyWaitingFor(held.getMetadata().getName());
  }

  private static boolean named(Lease lease, String name) {
    return name.equals(lease.getMetadata().getName());
  }

  private Claim granted(FleetlmRelease release, Lease lease) {
    waiters.remove(lease.getMetadata().getName(), ResourceID.fromResource(release));
    return Claim.ok();
  }

  private Claim waiting(FleetlmRelease release, Lease wanted, Lease held, boolean hidden) {
    waiters.add(wanted.getMetadata().getName(), ResourceID.fromResource(release));
    if (held == null) {
      return new Claim(false, "another release", null, null, null);
    }
    // Said on the Lease, for a holder run by another operator too. Refused when the Lease changed
    // since it was read: that change is an event that brings this release back here.
    if (!MigrationLockLease.awaited(held)) {
      kube.replaceLease(MigrationLockLease.markedAwaited(held));
    }
    String job = MigrationLockLease.jobOf(held).orElse(null);
    return new Claim(
        false,
        MigrationLockLease.holderOf(held),
        job,
        MigrationLockLease.acquiredAt(held).orElse(null),
        hidden && job != null
            ? "this operator may not read Jobs and pods in namespace "
                + job.split("/", 2)[0]
                + " (it needs get on jobs and list on pods there), so it cannot see that"
                + " migration end; it waits until that namespace's operator releases the Lease"
            : null);
  }

  /**
   * The holder's migration is done when its Job has ended and every pod of it has too, or when
   * neither exists and the claim is past its grace period (its Job never came).
   */
  private Holder holderState(Lease held, Instant now) {
    Optional<String> job = MigrationLockLease.jobOf(held);
    if (job.isEmpty() || !job.get().contains("/")) {
      return Holder.DONE;
    }
    String[] parts = job.get().split("/", 2);
    Optional<Job> holderJob;
    List<Pod> pods;
    try {
      holderJob = kube.job(parts[0], parts[1]);
      if (holderJob.isPresent() && !MigrationJobState.of(holderJob.get()).finished()) {
        return Holder.RUNNING;
      }
      // Ended or gone: its pods may still run (a Job marked Failed while its pod terminates, a
      // Job deleted without its pods).
      pods = kube.podsOfJob(parts[0], parts[1]);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 403) {
        return Holder.HIDDEN;
      }
      throw e;
    }
    if (!MigrationPods.allEnded(pods)) {
      return Holder.RUNNING;
    }
    if (holderJob.isPresent()) {
      return Holder.DONE;
    }
    boolean pastGrace =
        MigrationLockLease.acquiredAt(held)
            .map(at -> at.plus(CLAIM_GRACE).isBefore(now))
            .orElse(true);
    return pastGrace ? Holder.DONE : Holder.RUNNING;
  }
}
