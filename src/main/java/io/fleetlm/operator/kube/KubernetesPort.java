package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseStatus;
import java.util.List;
import java.util.Optional;

/**
 * Everything a reconcile asks of the API server beyond what its informers already hold. One small
 * interface, so the whole reconcile runs against a fake in unit tests.
 */
public interface KubernetesPort {

  /** The release as stored now, for a write after the cached copy may have gone stale. */
  Optional<FleetlmRelease> release(String namespace, String name);

  /** The Job as stored now; the informer may not have seen one created a moment ago. */
  Optional<Job> job(String namespace, String name);

  /**
   * Creates the Job.
   *
   * @return false when a Job of that name already exists
   */
  boolean createJob(Job job);

  /** Deletes a Job and, in the background, its pods. */
  void deleteJob(Job job);

  /** Server-side apply of the operator's whole intent; returns the Deployment as stored. */
  Deployment applyDeployment(Deployment desired);

  /** Server-side apply of a Service the release owns; returns it as stored. */
  Service applyService(Service desired);

  /** Server-side apply of the release's PodDisruptionBudget; returns it as stored. */
  PodDisruptionBudget applyDisruptionBudget(PodDisruptionBudget desired);

  void deleteDisruptionBudget(PodDisruptionBudget budget);

  Optional<Secret> secret(String namespace, String name);

  /**
   * The metadata of an object as stored now, read before the operator first writes an object of
   * that name: someone else's object must not be taken over.
   */
  Optional<ObjectMeta> stored(Class<? extends HasMetadata> kind, String namespace, String name);

  /** An object's kind, namespace and name: what {@link #storedAll} reads. */
  record ObjectName(Class<? extends HasMetadata> kind, String namespace, String name) {}

  /**
   * {@link #stored} of several objects, in the order named: each a round trip to the API server, so
   * an implementation may make them at once rather than one after another.
   */
  default List<Optional<ObjectMeta>> storedAll(List<ObjectName> names) {
    return names.stream().map(n -> stored(n.kind(), n.namespace(), n.name())).toList();
  }

  /**
   * Deletes an object a user handed over to a release, as it was read: one changed or replaced
   * since is left alone (the API server's resourceVersion precondition). Its dependents go with it
   * in the background.
   */
  void deleteHandedOver(Class<? extends HasMetadata> kind, ObjectMeta read);

  /** The Secret as the API server has it now, never a copy read earlier. */
  default Optional<Secret> freshSecret(String namespace, String name) {
    return secret(namespace, name);
  }

  /**
   * Creates the Secret.
   *
   * @return false when a Secret of that name already exists (it is left as it is)
   */
  boolean createSecret(Secret secret);

  /**
   * The pods of a release's FleetLM nodes that the operator started itself ({@link
   * ClusterMemberFactory}), as the cache holds them, stopping ones included.
   */
  List<Pod> clusterNodes(FleetlmRelease release);

  /** Creates a node's pod; one that exists already (an earlier pass made it) is left as it is. */
  void createPod(Pod pod);

  /** Deletes a node's pod, with its grace period: FleetLM leaves the cluster as it stops. */
  void deletePod(Pod pod);

  /**
   * The pods a Deployment's selector matches, as the API server lists them now: not cached, as only
   * a cluster that the node roll takes over from its Deployment needs them, while it moves.
   */
  List<Pod> podsOfDeployment(Deployment deployment);

  /** Sets how many pods a Deployment keeps, changing nothing else of it (a merge patch). */
  void scaleDeployment(Deployment deployment, int replicas);

  /** Deletes a Deployment as it was read: one changed since is left alone. */
  void deleteDeployment(Deployment deployment);

  /** Pods of a Job, to read why its container ended. */
  List<Pod> podsOfJob(String namespace, String jobName);

  /**
   * Writes the status by server-side apply, conditional on the release's resourceVersion.
   *
   * @return the release as stored, whose resourceVersion conditions the next write
   */
  FleetlmRelease writeStatus(FleetlmRelease release, FleetlmReleaseStatus status);

  /** The Lease as stored now. */
  Optional<Lease> lease(String namespace, String name);

  /** The database Leases as the operator's informer last saw them: cheap, possibly a moment old. */
  List<Lease> cachedLeases(String namespace);

  /**
   * Creates the Lease.
   *
   * @return false when a Lease of that name already exists
   */
  boolean createLease(Lease lease);

  /**
   * Replaces the Lease, if it is unchanged since it was read (its resourceVersion).
   *
   * @return false when someone changed or deleted it in between
   */
  boolean replaceLease(Lease lease);

  /** Deletes the Lease, if it is unchanged since it was read; gone already is fine. */
  void deleteLease(Lease lease);

  /** Records an Event; repeats of the same Event update its count. Never fails the caller. */
  void recordEvent(FleetlmRelease release, ReleaseEvent event);
}
