package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetSpec;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.kube.ClusterObjects;
import io.fleetlm.operator.kube.ClusterWiring;
import io.fleetlm.operator.kube.KubernetesPort;
import io.fleetlm.operator.kube.ResourceNames;
import io.fleetlm.operator.rollout.ClusterState;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Keeps the release's Services and PodDisruptionBudget as the spec wants them (edits are put back,
 * like the Deployment's), and creates the cluster's cookie Secret once, before any pod needs it.
 */
final class ClusterSync {

  private static final Logger LOG = Logger.getLogger(ClusterSync.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  private final KubernetesPort kube;

  ClusterSync(KubernetesPort kube) {
    this.kube = kube;
  }

  /**
   * @param corrected what someone else had changed and the operator put back
   */
  record Result(ClusterState state, List<String> corrected) {}

  /**
   * Creates the cookie Secret if a pod may need it: it is read only while the Deployment does not
   * reference it yet or has pods that are not available (one whose Secret was deleted cannot
   * start), and never rewritten, so every pod shares one cookie.
   */
  void ensureCookie(Observation observation) {
    FleetlmRelease release = observation.release();
    boolean referenced = referencesCookie(observation.deployment());
    if (!ClusterWiring.enabled(release.getSpec())
        || (referenced && allAvailable(observation.deployment().get()))) {
      return;
    }
    String name = ResourceNames.cookieSecretName(release);
    // Before the release has run anything the cookie is most likely missing: created without a
    // read first (a Secret already there refuses the create and is left as it is).
    boolean hasRun = referenced || observation.previous().getVerifiedMigrationId() != null;
    if (hasRun && kube.secret(release.getMetadata().getNamespace(), name).isPresent()) {
      return;
    }
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String cookie = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    if (kube.createSecret(ClusterObjects.cookieSecret(release, cookie))) {
      LOG.infof("%s: created the cluster cookie Secret %s", observation.name(), name);
    }
  }

  Result sync(Observation observation, boolean apply) {
    FleetlmRelease release = observation.release();
    Observation.Cluster seen = observation.cluster();
    List<String> corrected = new ArrayList<>();
    if (apply) {
      for (Service desired :
          List.of(ClusterObjects.httpService(release), ClusterObjects.headlessService(release))) {
        Service live = seen.services().get(desired.getMetadata().getName());
        if (live == null) {
          kube.applyService(desired);
          if (observation.previous().getService() != null) {
            corrected.add(
                "Service " + desired.getMetadata().getName() + " was deleted; created again");
          }
        } else {
          List<String> differences = serviceDifferences(desired, live);
          if (!differences.isEmpty()) {
            kube.applyService(desired);
            corrected.addAll(differences);
          }
        }
      }
      syncBudget(release, seen.budget(), corrected);
    }
    if (!corrected.isEmpty()) {
      LOG.infof("%s: put back %s", observation.name(), corrected);
    }
    String headless = ResourceNames.headlessServiceName(release);
    List<EndpointSlice> headlessSlices =
        seen.slices().stream()
            .filter(s -> s.getMetadata().getLabels() != null)
            .filter(s -> headless.equals(s.getMetadata().getLabels().get(SERVICE_NAME_LABEL)))
            .toList();
    ClusterState state =
        new ClusterState(
            ClusterWiring.enabled(release.getSpec()),
            seen.services().isEmpty() && !apply ? null : ResourceNames.httpServiceName(release),
            seen.services().isEmpty() && !apply ? null : headless,
            ClusterState.servingPods(headlessSlices),
            Objects.requireNonNullElse(release.getSpec().getReplicas(), 1));
    return new Result(state, corrected);
  }

  private void syncBudget(
      FleetlmRelease release, Optional<PodDisruptionBudget> live, List<String> corrected) {
    int nodesRunning = ClusterNodeSync.notTerminating(ClusterNodeSync.ownPods(kube, release));
    Optional<PodDisruptionBudget> desired = ClusterObjects.disruptionBudget(release, nodesRunning);
    if (desired.isEmpty()) {
      live.ifPresent(kube::deleteDisruptionBudget);
      return;
    }
    if (live.isEmpty()) {
      kube.applyDisruptionBudget(desired.get());
      return;
    }
    var want = desired.get().getSpec();
    var have = live.get().getSpec();
    if (!Objects.equals(want.getMaxUnavailable(), have.getMaxUnavailable())
        || !Objects.equals(want.getMinAvailable(), have.getMinAvailable())
        || have.getSelector() == null
        || !Objects.equals(
            want.getSelector().getMatchLabels(), have.getSelector().getMatchLabels())) {
      kube.applyDisruptionBudget(desired.get());
      corrected.add(
          "PodDisruptionBudget "
              + desired.get().getMetadata().getName()
              + ": "
              + limits(have)
              + ", want "
              + limits(want));
    }
  }

  private static String limits(PodDisruptionBudgetSpec spec) {
    List<String> set = new ArrayList<>();
    if (spec.getMaxUnavailable() != null) {
      set.add("maxUnavailable " + spec.getMaxUnavailable().getIntVal());
    }
    if (spec.getMinAvailable() != null) {
      set.add("minAvailable " + spec.getMinAvailable().getIntVal());
    }
    return set.isEmpty() ? "no limit" : String.join(", ", set);
  }

  /** The fields the operator sets that an edit changed. */
  private static List<String> serviceDifferences(Service desired, Service live) {
    List<String> differences = new ArrayList<>();
    String name = "Service " + desired.getMetadata().getName();
    if (!Objects.equals(desired.getSpec().getSelector(), live.getSpec().getSelector())) {
      differences.add(name + ": spec.selector changed");
    }
    if (!ports(desired).equals(ports(live))) {
      differences.add(name + ": spec.ports " + ports(live) + ", want " + ports(desired));
    }
    boolean headless = "None".equals(desired.getSpec().getClusterIP());
    if (headless && !Boolean.TRUE.equals(live.getSpec().getPublishNotReadyAddresses())) {
      differences.add(name + ": spec.publishNotReadyAddresses is not true");
    }
    Map<String, String> labels =
        Objects.requireNonNullElse(live.getMetadata().getLabels(), Map.of());
    if (!labels.entrySet().containsAll(desired.getMetadata().getLabels().entrySet())) {
      differences.add(name + ": its labels changed");
    }
    return differences;
  }

  private static List<String> ports(Service service) {
    return Objects.requireNonNullElse(service.getSpec().getPorts(), List.<ServicePort>of()).stream()
        .map(
            p ->
                p.getName()
                    + ":"
                    + p.getPort()
                    + "->"
                    + (p.getTargetPort() == null ? "" : p.getTargetPort().getStrVal())
                    + "/"
                    + p.getProtocol())
        .toList();
  }

  private static boolean allAvailable(Deployment deployment) {
    int wanted = Objects.requireNonNullElse(deployment.getSpec().getReplicas(), 1);
    return deployment.getStatus() != null
        && Objects.requireNonNullElse(deployment.getStatus().getAvailableReplicas(), 0) >= wanted;
  }

  private static boolean referencesCookie(Optional<Deployment> deployment) {
    return deployment
        .map(d -> d.getSpec().getTemplate().getSpec().getContainers())
        .orElse(List.of())
        .stream()
        .flatMap(c -> Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of()).stream())
        .anyMatch(e -> ClusterWiring.COOKIE_KEY.equals(e.getName()));
  }
}
