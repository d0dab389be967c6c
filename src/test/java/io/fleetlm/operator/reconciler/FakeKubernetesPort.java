package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseStatus;
import io.fleetlm.operator.kube.KubernetesPort;
import io.fleetlm.operator.kube.ReleaseEvent;
import io.fleetlm.operator.kube.ResourceNames;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The API server as the reconcile sees it, in memory: it stores what is written, bumps generations
 * on spec changes as the server does, and logs every call in order. Tests play the controllers (Job
 * finished, Deployment rolled out) with its helpers.
 */
final class FakeKubernetesPort implements KubernetesPort {

  final Map<String, Job> jobs = new LinkedHashMap<>();
  final Map<String, Deployment> deployments = new LinkedHashMap<>();
  final Map<String, Secret> secrets = new LinkedHashMap<>();
  final Map<String, List<Pod>> podsByJob = new LinkedHashMap<>();

  /** The operator's FleetLM node pods, by name. */
  final Map<String, Pod> clusterNodes = new LinkedHashMap<>();

  /** Pods the Deployment's ReplicaSet runs, by name ({@link #runDeploymentPods}). */
  final Map<String, Pod> deploymentPods = new LinkedHashMap<>();

  final Map<String, Service> services = new LinkedHashMap<>();
  final Map<String, PodDisruptionBudget> budgets = new LinkedHashMap<>();

  /** What the EndpointSlice controller made of the headless Service's pods. */
  final List<EndpointSlice> slices = new ArrayList<>();

  /** Leases by name; the fake has one namespace for them. */
  final Map<String, Lease> leases = new LinkedHashMap<>();

  final List<ReleaseEvent> events = new ArrayList<>();
  final List<FleetlmReleaseStatus> statusWrites = new ArrayList<>();
  final List<String> calls = new ArrayList<>();
  FleetlmRelease stored;

  /** Live Secret reads: each is a request to the API server. */
  int secretReads;

  /** The names of the Secrets read, in order, with " (missing)" when there was none. */
  final List<String> secretsRead = new ArrayList<>();

  Supplier<RuntimeException> failApply;

  /** Objects someone else made, by Kind/name: the informers never see them. */
  final Map<String, ObjectMeta> foreignObjects = new LinkedHashMap<>();

  /** Namespaces whose Jobs and pods the operator may not read. */
  final Set<String> forbiddenNamespaces = new HashSet<>();

  /** Makes status writes throw, as if the operator died before its write reached the server. */
  Supplier<RuntimeException> failStatusWrite;

  private long resourceVersion = 100;

  FakeKubernetesPort(FleetlmRelease release) {
    this.stored = Serialization.clone(release);
  }

  @Override
  public Optional<FleetlmRelease> release(String namespace, String name) {
    return Optional.ofNullable(stored).map(Serialization::clone);
  }

  @Override
  public Optional<Job> job(String namespace, String name) {
    calls.add("getJob " + name);
    forbidIn(namespace, "jobs");
    return Optional.ofNullable(jobs.get(name));
  }

  /** The API server's 403 for a namespace the operator's RBAC does not reach. */
  private void forbidIn(String namespace, String resource) {
    if (forbiddenNamespaces.contains(namespace)) {
      throw apiError(
          403,
          "Forbidden",
          resource
              + " is forbidden: User \"system:serviceaccount:fleetlm-system:fleetlm-operator\""
              + " cannot get resource \""
              + resource
              + "\" in API group \"\" in the namespace \""
              + namespace
              + "\"");
    }
  }

  @Override
  public boolean createJob(Job job) {
    calls.add("createJob " + job.getMetadata().getName());
    if (jobs.containsKey(job.getMetadata().getName())) {
      return false;
    }
    Job created = Serialization.clone(job);
    created.getMetadata().setResourceVersion(nextVersion());
    created.getMetadata().setCreationTimestamp("2026-11-25T10:00:00Z");
    jobs.put(job.getMetadata().getName(), created);
    return true;
  }

  @Override
  public void deleteJob(Job job) {
    calls.add("deleteJob " + job.getMetadata().getName());
    jobs.remove(job.getMetadata().getName());
    podsByJob.remove(job.getMetadata().getName());
  }

  @Override
  public Deployment applyDeployment(Deployment desired) {
    calls.add("applyDeployment " + desired.getMetadata().getName());
    if (failApply != null) {
      throw failApply.get();
    }
    String name = desired.getMetadata().getName();
    Deployment before = deployments.get(name);
    Deployment applied = Serialization.clone(desired);
    long generation = 1;
    if (before != null) {
      boolean specChanged =
          !Serialization.asJson(before.getSpec()).equals(Serialization.asJson(desired.getSpec()));
      generation = before.getMetadata().getGeneration() + (specChanged ? 1 : 0);
      applied.setStatus(before.getStatus());
    }
    applied.getMetadata().setGeneration(generation);
    applied.getMetadata().setResourceVersion(nextVersion());
    deployments.put(name, applied);
    return Serialization.clone(applied);
  }

  @Override
  public Service applyService(Service desired) {
    calls.add("applyService " + desired.getMetadata().getName());
    Service applied = Serialization.clone(desired);
    applied.getMetadata().setResourceVersion(nextVersion());
    services.put(desired.getMetadata().getName(), applied);
    return Serialization.clone(applied);
  }

  @Override
  public PodDisruptionBudget applyDisruptionBudget(PodDisruptionBudget desired) {
    calls.add("applyDisruptionBudget " + desired.getMetadata().getName());
    PodDisruptionBudget applied = Serialization.clone(desired);
    applied.getMetadata().setResourceVersion(nextVersion());
    budgets.put(desired.getMetadata().getName(), applied);
    return Serialization.clone(applied);
  }

  @Override
  public void deleteDisruptionBudget(PodDisruptionBudget budget) {
    calls.add("deleteDisruptionBudget " + budget.getMetadata().getName());
    budgets.remove(budget.getMetadata().getName());
  }

  @Override
  public boolean createSecret(Secret secret) {
    calls.add("createSecret " + secret.getMetadata().getName());
    return secrets.putIfAbsent(secret.getMetadata().getName(), Serialization.clone(secret)) == null;
  }

  @Override
  public Optional<Secret> secret(String namespace, String name) {
    secretReads++;
    secretsRead.add(secrets.containsKey(name) ? name : name + " (missing)");
    return Optional.ofNullable(secrets.get(name));
  }

  @Override
  public Optional<ObjectMeta> stored(
      Class<? extends HasMetadata> kind, String namespace, String name) {
    ObjectMeta foreign = foreignObjects.get(kind.getSimpleName() + "/" + name);
    if (foreign != null) {
      return Optional.of(foreign);
    }
    Map<String, ? extends HasMetadata> own =
        switch (kind.getSimpleName()) {
          case "Deployment" -> deployments;
          case "Service" -> services;
          case "PodDisruptionBudget" -> budgets;
          case "Secret" -> secrets;
          default -> Map.of();
        };
    return Optional.ofNullable(own.get(name)).map(HasMetadata::getMetadata);
  }

  /**
   * Deletes a foreign object as the API server would: refused with 409 when it changed since it was
   * read; one with finalizers stays, terminating.
   */
  @Override
  public void deleteHandedOver(Class<? extends HasMetadata> kind, ObjectMeta read) {
    String key = kind.getSimpleName() + "/" + read.getName();
    calls.add("delete " + key);
    ObjectMeta stored = foreignObjects.get(key);
    if (stored == null) {
      throw apiError(404, "NotFound", key + " not found");
    }
    if (!Objects.equals(stored.getResourceVersion(), read.getResourceVersion())) {
      throw apiError(409, "Conflict", "the object has been modified");
    }
    if (stored.getFinalizers() == null || stored.getFinalizers().isEmpty()) {
      foreignObjects.remove(key);
    } else {
      stored.setDeletionTimestamp(java.time.Instant.now().toString());
    }
  }

  @Override
  public List<Pod> clusterNodes(FleetlmRelease release) {
    return List.copyOf(clusterNodes.values());
  }

  @Override
  public void createPod(Pod pod) {
    forbidIn(pod.getMetadata().getNamespace(), "pods");
    calls.add("createPod " + pod.getMetadata().getName());
    clusterNodes.putIfAbsent(pod.getMetadata().getName(), pod);
  }

  @Override
  public void deletePod(Pod pod) {
    calls.add("deletePod " + pod.getMetadata().getName());
    Pod stored = clusterNodes.get(pod.getMetadata().getName());
    if (stored != null) {
      stored.getMetadata().setDeletionTimestamp(java.time.Instant.now().toString());
    }
  }

  @Override
  public List<Pod> podsOfDeployment(Deployment deployment) {
    return List.copyOf(deploymentPods.values());
  }

  /**
   * As the ReplicaSet answers a smaller Deployment: its newest pods beyond the count start to stop.
   */
  @Override
  public void scaleDeployment(Deployment deployment, int replicas) {
    String name = deployment.getMetadata().getName();
    calls.add("scaleDeployment " + name + " " + replicas);
    deployments.get(name).getSpec().setReplicas(replicas);
    List<Pod> running =
        deploymentPods.values().stream()
            .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
            .toList();
    for (Pod pod : running.subList(Math.min(replicas, running.size()), running.size())) {
      pod.getMetadata().setDeletionTimestamp(java.time.Instant.now().toString());
    }
  }

  @Override
  public void deleteDeployment(Deployment deployment) {
    calls.add("deleteDeployment " + deployment.getMetadata().getName());
    deployments.remove(deployment.getMetadata().getName());
  }

  /**
   * The Deployment's ReplicaSet runs a pod at each IP from its template: Running and Ready, a node
   * named by DNSPoll.
   */
  void runDeploymentPods(String name, String... ips) {
    Deployment deployment = deployments.get(name);
    for (int i = 0; i < ips.length; i++) {
      String pod = name + "-rs-" + i;
      deploymentPods.put(
          pod,
          new io.fabric8.kubernetes.api.model.PodBuilder()
              .withNewMetadata()
              .withName(pod)
              .withUid("uid-" + pod)
              .withLabels(deployment.getSpec().getSelector().getMatchLabels())
              .endMetadata()
              .withSpec(deployment.getSpec().getTemplate().getSpec())
              .withStatus(runningAt(ips[i]))
              .build());
    }
  }

  @Override
  public List<Pod> podsOfJob(String namespace, String jobName) {
    forbidIn(namespace, "pods");
    return podsByJob.getOrDefault(jobName, List.of());
  }

  @Override
  public FleetlmRelease writeStatus(FleetlmRelease release, FleetlmReleaseStatus status) {
    calls.add("writeStatus " + status.getPhase());
    if (failStatusWrite != null) {
      throw failStatusWrite.get();
    }
    // The API server's answers, so that the unit tier takes the paths the real server leads to.
    if (stored == null) {
      throw apiError(404, "NotFound", "fleetlmreleases.fleetlm.io \"chat\" not found");
    }
    if (!Objects.equals(
        stored.getMetadata().getResourceVersion(), release.getMetadata().getResourceVersion())) {
      throw apiError(
          409,
          "Conflict",
          "Operation cannot be fulfilled on fleetlmreleases.fleetlm.io \"chat\": the object has"
              + " been modified; please apply your changes to the latest version and try again");
    }
    statusWrites.add(Serialization.clone(status));
    FleetlmRelease written = Serialization.clone(release);
    written.setStatus(Serialization.clone(status));
    written.getMetadata().setResourceVersion(nextVersion());
    stored = Serialization.clone(written);
    return written;
  }

  @Override
  public Optional<Lease> lease(String namespace, String name) {
    return Optional.ofNullable(leases.get(name)).map(Serialization::clone);
  }

  @Override
  public List<Lease> cachedLeases(String namespace) {
    return leases.values().stream().map(Serialization::clone).toList();
  }

  @Override
  public boolean createLease(Lease lease) {
    calls.add("createLease");
    if (leases.containsKey(lease.getMetadata().getName())) {
      return false;
    }
    Lease created = Serialization.clone(lease);
    created.getMetadata().setResourceVersion(nextVersion());
    leases.put(lease.getMetadata().getName(), created);
    return true;
  }

  /** A claim another release makes just before this one's replace: the replace then loses. */
  Lease claimedFirst;

  @Override
  public boolean replaceLease(Lease lease) {
    calls.add("replaceLease");
    if (claimedFirst != null) {
      Lease winner = Serialization.clone(claimedFirst);
      winner.getMetadata().setResourceVersion(nextVersion());
      leases.put(winner.getMetadata().getName(), winner);
      claimedFirst = null;
    }
    Lease stored = leases.get(lease.getMetadata().getName());
    if (stored == null
        || !stored
            .getMetadata()
            .getResourceVersion()
            .equals(lease.getMetadata().getResourceVersion())) {
      return false;
    }
    Lease replaced = Serialization.clone(lease);
    replaced.getMetadata().setResourceVersion(nextVersion());
    leases.put(lease.getMetadata().getName(), replaced);
    return true;
  }

  @Override
  public void deleteLease(Lease lease) {
    calls.add("deleteLease");
    Lease stored = leases.get(lease.getMetadata().getName());
    if (stored != null
        && stored
            .getMetadata()
            .getResourceVersion()
            .equals(lease.getMetadata().getResourceVersion())) {
      leases.remove(lease.getMetadata().getName());
    }
  }

  @Override
  public void recordEvent(FleetlmRelease release, ReleaseEvent event) {
    calls.add("event " + event.reason());
    events.add(event);
  }

  private static KubernetesClientException apiError(int code, String reason, String message) {
    return new KubernetesClientException(
        new StatusBuilder().withCode(code).withReason(reason).withMessage(message).build());
  }

  /** A user deletes the release. */
  void deleteRelease() {
    stored = null;
  }

  /** A user changes the spec: the server bumps the generation. */
  void editRelease(java.util.function.Consumer<FleetlmRelease> change) {
    change.accept(stored);
    stored.getMetadata().setGeneration(stored.getMetadata().getGeneration() + 1);
    stored.getMetadata().setResourceVersion(nextVersion());
  }

  /** The release as the informer would deliver it next: the stored one. */
  FleetlmRelease current() {
    return Serialization.clone(stored);
  }

  /** What the Job controller writes when the migration container exits. */
  void finishJob(String name, boolean succeeded, String terminationMessage, int exitCode) {
    Job job = jobs.get(name);
    job.setStatus(
        new JobStatusBuilder()
            .withConditions(
                new JobConditionBuilder()
                    .withType(succeeded ? "Complete" : "Failed")
                    .withStatus("True")
                    .withReason(succeeded ? null : "BackoffLimitExceeded")
                    .withMessage(succeeded ? null : "Job has reached the specified backoff limit")
                    .build())
            .build());
    setPod(
        name,
        new ContainerStateBuilder()
            .withNewTerminated()
            .withExitCode(succeeded ? 0 : exitCode)
            .withReason(succeeded ? "Completed" : "Error")
            .withMessage(terminationMessage)
            .withFinishedAt("2026-11-25T10:00:30Z")
            .endTerminated()
            .build());
  }

  /** The kubelet reports the Job's pod waiting, e.g. on ErrImagePull. */
  void podWaiting(String jobName, String reason, String message) {
    setPod(
        jobName,
        new ContainerStateBuilder()
            .withNewWaiting()
            .withReason(reason)
            .withMessage(message)
            .endWaiting()
            .build());
  }

  /** The Job's one pod, its migration container in the given state. */
  private void setPod(String jobName, ContainerState state) {
    Job job = jobs.get(jobName);
    // The Job controller gives its pods the labels of the Job's pod template.
    Map<String, String> labels =
        job == null ? Map.of() : job.getSpec().getTemplate().getMetadata().getLabels();
    podsByJob.put(
        jobName,
        List.of(
            new PodBuilder()
                .withNewMetadata()
                .withName(jobName + "-pod")
                .withLabels(labels)
                .endMetadata()
                .withNewStatus()
                .withPhase(phaseOf(state))
                .withContainerStatuses(
                    new ContainerStatusBuilder().withName("migrate").withState(state).build())
                .endStatus()
                .build()));
  }

  /**
   * The pod's phase as the kubelet reports it for its one container's state (restartPolicy Never).
   */
  private static String phaseOf(ContainerState state) {
    if (state.getTerminated() != null) {
      return state.getTerminated().getExitCode() == 0 ? "Succeeded" : "Failed";
    }
    return state.getRunning() != null ? "Running" : "Pending";
  }

  /** The Job's pod still terminating after the Job was marked as ended (Kubernetes before 1.31). */
  void podStillRunning(String jobName) {
    setPod(jobName, new ContainerStateBuilder().withNewRunning().endRunning().build());
  }

  /** What the Deployment controller reports once every replica of the current spec is up. */
  void rollOut(String name) {
    Deployment deployment = deployments.get(name);
    int replicas = deployment.getSpec().getReplicas();
    deployment.setStatus(
        new DeploymentStatusBuilder()
            .withObservedGeneration(deployment.getMetadata().getGeneration())
            .withReplicas(replicas)
            .withUpdatedReplicas(replicas)
            .withReadyReplicas(replicas)
            .withAvailableReplicas(replicas)
            .build());
    slices.clear();
    var slice =
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withName(name + "-headless-abcde")
            .addToLabels("kubernetes.io/service-name", name + "-headless")
            .endMetadata()
            .withAddressType("IPv4");
    for (int i = 0; i < replicas; i++) {
      serving(slice, "10.0.0." + (i + 1), name + "-pod-" + i);
    }
    slices.add(slice.build());
  }

  /** Adds a pod's serving endpoint to the slice. */
  private static EndpointSliceBuilder serving(EndpointSliceBuilder slice, String ip, String pod) {
    return slice
        .addNewEndpoint()
        .withAddresses(ip)
        .withNewConditions()
        .withReady(true)
        .withServing(true)
        .endConditions()
        .withNewTargetRef()
        .withKind("Pod")
        .withName(pod)
        .endTargetRef()
        .endEndpoint();
  }

  /**
   * The kubelet runs a node's pod: an IP, its container running, Ready; and the EndpointSlice
   * controller lists it as a serving endpoint of the headless Service.
   */
  void runNode(String pod, String ip) {
    Pod node = clusterNodes.get(pod);
    node.getMetadata().setUid("uid-" + pod);
    node.setStatus(runningAt(ip));
    String release = node.getMetadata().getLabels().get(ResourceNames.LABEL_RELEASE);
    var slice =
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withName(release + "-headless-" + pod)
            .addToLabels("kubernetes.io/service-name", release + "-headless")
            .endMetadata()
            .withAddressType("IPv4");
    slices.add(serving(slice, ip, pod).build());
  }

  /** A pod's status once the kubelet runs it: an IP, its app container running, Ready. */
  private static io.fabric8.kubernetes.api.model.PodStatus runningAt(String ip) {
    return new io.fabric8.kubernetes.api.model.PodStatusBuilder()
        .withPodIP(ip)
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .addNewContainerStatus()
        .withName(ResourceNames.APP_CONTAINER)
        .withRestartCount(0)
        .withNewState()
        .withNewRunning()
        .endRunning()
        .endState()
        .endContainerStatus()
        .build();
  }

  /** A node's container ends: the pod fails (restartPolicy Never), no longer an endpoint. */
  void endNode(String pod, int exitCode, String reason) {
    Pod node = clusterNodes.get(pod);
    node.getStatus().setPhase("Failed");
    node.getStatus().getConditions().forEach(c -> c.setStatus("False"));
    node.getStatus()
        .getContainerStatuses()
        .forEach(
            c ->
                c.setState(
                    new io.fabric8.kubernetes.api.model.ContainerStateBuilder()
                        .withNewTerminated()
                        .withExitCode(exitCode)
                        .withReason(reason)
                        .endTerminated()
                        .build()));
    slices.removeIf(s -> s.getMetadata().getName().endsWith("-headless-" + pod));
  }

  /** A node's pod is gone: its endpoint with it. */
  void nodeGone(String pod) {
    clusterNodes.remove(pod);
    slices.removeIf(s -> s.getMetadata().getName().endsWith("-headless-" + pod));
  }

  /** Someone edits the Deployment outside the operator; the server bumps its generation. */
  void editDeployment(String name, java.util.function.Consumer<Deployment> edit) {
    Deployment deployment = deployments.get(name);
    edit.accept(deployment);
    deployment.getMetadata().setGeneration(deployment.getMetadata().getGeneration() + 1);
    deployment.getMetadata().setResourceVersion(nextVersion());
  }

  private String nextVersion() {
    return String.valueOf(++resourceVersion);
  }
}
