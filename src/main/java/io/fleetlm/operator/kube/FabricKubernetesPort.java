package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseStatus;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * {@link KubernetesPort} on the fabric8 client. Objects it writes are handed to the informers at
 * once, so the next reconcile sees its own writes even before their watch events arrive.
 */
public final class FabricKubernetesPort implements KubernetesPort {

  public static final String FIELD_MANAGER = "fleetlm-operator";

  /**
   * How long a Secret read is reused. Secrets are not watched (that would need list and watch on
   * every Secret of the watched namespaces); a changed DATABASE_URL is seen within this time.
   */
  public static final Duration SECRET_TTL = Duration.ofSeconds(30);

  private final KubernetesClient client;
  private final InformerEventSource<Job, FleetlmRelease> jobs;
  private final InformerEventSource<Deployment, FleetlmRelease> deployments;
  private final InformerEventSource<Pod, FleetlmRelease> clusterNodes;
  private final InformerEventSource<Lease, FleetlmRelease> leases;
  private final InformerEventSource<Service, FleetlmRelease> services;
  private final InformerEventSource<PodDisruptionBudget, FleetlmRelease> budgets;
  private final EventRecorder events;
  private final Set<String> deletedLeases =
      Collections.newSetFromMap(Collections.synchronizedMap(new RecentEntries<>(1024)));
  private final SecretCache secrets;

  /**
   * Threads for {@link #storedAll}. Bounded, and nothing queues: with all of them busy, the
   * reconcile's own thread makes the read. Idle ones end, so an idle operator holds none.
   */
  private final ExecutorService reads =
      new ThreadPoolExecutor(
          0,
          8,
          30,
          TimeUnit.SECONDS,
          new SynchronousQueue<>(),
          task -> {
            Thread thread = new Thread(task, "fleetlm-read");
            thread.setDaemon(true);
            return thread;
          },
          new ThreadPoolExecutor.CallerRunsPolicy());

  /** The informers whose caches learn of the operator's own writes at once. */
  public record Informers(
      InformerEventSource<Job, FleetlmRelease> jobs,
      InformerEventSource<Deployment, FleetlmRelease> deployments,
      InformerEventSource<Lease, FleetlmRelease> leases,
      InformerEventSource<Service, FleetlmRelease> services,
      InformerEventSource<PodDisruptionBudget, FleetlmRelease> budgets,
      InformerEventSource<Pod, FleetlmRelease> clusterNodes) {}

  /**
   * @param reportingInstance this operator pod, named in its Events
   * @param eventLoss told of every Event that could not be written
   */
  public FabricKubernetesPort(
      KubernetesClient client,
      Informers informers,
      Clock clock,
      String reportingInstance,
      EventLoss eventLoss) {
    this.client = client;
    this.jobs = informers.jobs();
    this.deployments = informers.deployments();
    this.leases = informers.leases();
    this.services = informers.services();
    this.budgets = informers.budgets();
    this.clusterNodes = informers.clusterNodes();
    this.events = new EventRecorder(client, clock, reportingInstance, eventLoss);
    this.secrets = new SecretCache(clock, SECRET_TTL);
  }

  @Override
  public Optional<FleetlmRelease> release(String namespace, String name) {
    return Optional.ofNullable(
        client.resources(FleetlmRelease.class).inNamespace(namespace).withName(name).get());
  }

  @Override
  public Optional<Job> job(String namespace, String name) {
    return Optional.ofNullable(
        client.batch().v1().jobs().inNamespace(namespace).withName(name).get());
  }

  @Override
  public Optional<Lease> lease(String namespace, String name) {
    return Optional.ofNullable(client.leases().inNamespace(namespace).withName(name).get());
  }

  @Override
  public List<Lease> cachedLeases(String namespace) {
    // A Lease this operator deleted stays in the informer's cache until the watch says so.
    return leases.list(namespace, lease -> !deletedLeases.contains(versionOf(lease))).toList();
  }

  private static String versionOf(Lease lease) {
    return lease.getMetadata().getUid() + "/" + lease.getMetadata().getResourceVersion();
  }

  @Override
  public boolean createLease(Lease lease) {
    return createUnlessExists(lease, leases);
  }

  @Override
  public boolean replaceLease(Lease lease) {
    try {
      Lease replaced = client.resource(lease).update();
      leases.handleRecentResourceUpdate(ResourceID.fromResource(replaced), replaced, lease);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409 || e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public void deleteLease(Lease lease) {
    try {
      client
          .leases()
          .inNamespace(lease.getMetadata().getNamespace())
          .withName(lease.getMetadata().getName())
          .lockResourceVersion(lease.getMetadata().getResourceVersion())
          .delete();
      deletedLeases.add(versionOf(lease));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409 && e.getCode() != 404) {
        throw e;
      }
    }
  }

  @Override
  public boolean createJob(Job job) {
    return createUnlessExists(job, jobs);
  }

  /** Creates the object and hands it to its informer; false when one of that name exists. */
  private <T extends HasMetadata> boolean createUnlessExists(
      T object, InformerEventSource<T, FleetlmRelease> informer) {
    Optional<T> created = created(object);
    created.ifPresent(c -> informer.handleRecentResourceCreate(ResourceID.fromResource(c), c));
    return created.isPresent();
  }

  /** The object as created, or empty when one of that name exists already. */
  private <T extends HasMetadata> Optional<T> created(T object) {
    try {
      return Optional.of(client.resource(object).create());
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public void deleteJob(Job job) {
    client.resource(job).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
  }

  @Override
  public Deployment applyDeployment(Deployment desired) {
    return apply(desired, deployments);
  }

  @Override
  public Service applyService(Service desired) {
    return apply(desired, services);
  }

  @Override
  public PodDisruptionBudget applyDisruptionBudget(PodDisruptionBudget desired) {
    return apply(desired, budgets);
  }

  @Override
  public void deleteDisruptionBudget(PodDisruptionBudget budget) {
    client.resource(budget).delete();
  }

  @Override
  public boolean createSecret(Secret secret) {
    Optional<Secret> created = created(secret);
    created.ifPresent(secrets::remember);
    return created.isPresent();
  }

  /** Server-side apply of the operator's whole intent, handed to the informer's cache. */
  private <T extends HasMetadata> T apply(
      T desired, InformerEventSource<T, FleetlmRelease> informer) {
    Optional<T> before = informer.get(ResourceID.fromResource(desired));
    T applied =
        client.resource(desired).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    ResourceID id = ResourceID.fromResource(applied);
    if (before.isPresent()) {
      informer.handleRecentResourceUpdate(id, applied, before.get());
    } else {
      informer.handleRecentResourceCreate(id, applied);
    }
    return applied;
  }

  @Override
  public Optional<Secret> secret(String namespace, String name) {
    return secrets.get(namespace, name, () -> read(namespace, name));
  }

  @Override
  public Optional<Secret> freshSecret(String namespace, String name) {
    Optional<Secret> secret = read(namespace, name);
    secret.ifPresent(secrets::remember);
    return secret;
  }

  @Override
  public Optional<ObjectMeta> stored(
      Class<? extends HasMetadata> kind, String namespace, String name) {
    return Optional.ofNullable(client.resources(kind).inNamespace(namespace).withName(name).get())
        .map(HasMetadata::getMetadata);
  }

  @Override
  public List<Optional<ObjectMeta>> storedAll(List<ObjectName> names) {
    List<CompletableFuture<Optional<ObjectMeta>>> others =
        names.stream()
            .skip(1)
            .map(n -> CompletableFuture.supplyAsync(() -> stored(n), reads))
            .toList();
    List<Optional<ObjectMeta>> found = new ArrayList<>();
    names.stream().findFirst().ifPresent(first -> found.add(stored(first)));
    for (CompletableFuture<Optional<ObjectMeta>> other : others) {
      try {
        found.add(other.join());
      } catch (CompletionException e) {
        // The API server's refusal as the reconcile would have met it on its own thread.
        throw e.getCause() instanceof RuntimeException cause ? cause : e;
      }
    }
    return found;
  }

  private Optional<ObjectMeta> stored(ObjectName name) {
    return stored(name.kind(), name.namespace(), name.name());
  }

  @Override
  public void deleteHandedOver(Class<? extends HasMetadata> kind, ObjectMeta read) {
    client
        .resources(kind)
        .inNamespace(read.getNamespace())
        .withName(read.getName())
        .lockResourceVersion(read.getResourceVersion())
        .delete();
  }

  private Optional<Secret> read(String namespace, String name) {
    return Optional.ofNullable(client.secrets().inNamespace(namespace).withName(name).get());
  }

  @Override
  public List<Pod> clusterNodes(FleetlmRelease release) {
    return List.copyOf(clusterNodes.getSecondaryResources(release));
  }

  @Override
  public void createPod(Pod pod) {
    try {
      client.resource(pod).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  @Override
  public void deletePod(Pod pod) {
    client.resource(pod).delete();
  }

  @Override
  public List<Pod> podsOfDeployment(Deployment deployment) {
    return client
        .pods()
        .inNamespace(deployment.getMetadata().getNamespace())
        .withLabels(deployment.getSpec().getSelector().getMatchLabels())
        .list()
        .getItems();
  }

  @Override
  public void scaleDeployment(Deployment deployment, int replicas) {
    client
        .apps()
        .deployments()
        .inNamespace(deployment.getMetadata().getNamespace())
        .withName(deployment.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + replicas + "}}");
  }

  @Override
  public void deleteDeployment(Deployment deployment) {
    deleteHandedOver(Deployment.class, deployment.getMetadata());
  }

  @Override
  public List<Pod> podsOfJob(String namespace, String jobName) {
    return client
        .pods()
        .inNamespace(namespace)
        .withLabel(ResourceNames.LABEL_JOB_NAME, jobName)
        .list()
        .getItems();
  }

  @Override
  public FleetlmRelease writeStatus(FleetlmRelease release, FleetlmReleaseStatus status) {
    FleetlmRelease patch = new FleetlmRelease();
    patch.getMetadata().setName(release.getMetadata().getName());
    patch.getMetadata().setNamespace(release.getMetadata().getNamespace());
    // A reconcile that started from stale data gets a conflict instead of overwriting newer status.
    patch.getMetadata().setResourceVersion(release.getMetadata().getResourceVersion());
    patch.setStatus(status);
    return client
        .resource(patch)
        .subresource("status")
        .patch(
            new PatchContext.Builder()
                .withPatchType(PatchType.SERVER_SIDE_APPLY)
                .withFieldManager(FIELD_MANAGER)
                .withForce(true)
                .build());
  }

  @Override
  public void recordEvent(FleetlmRelease release, ReleaseEvent event) {
    events.record(release, event);
  }
}
