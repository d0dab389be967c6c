package io.fleetlm.operator.it;

import static io.fleetlm.operator.it.Releases.awaitPhase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.kube.ResourceNames;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three replicas make one FleetLM-shaped cluster by construction: Services to reach and to discover
 * the pods, node names and one cookie in every pod, a budget that keeps a majority, and a rollout
 * that never has fewer than three Ready pods. kwok gives pods IPs and readiness; the Services,
 * EndpointSlices, garbage collection and the rollout are the real controllers'.
 */
class ClusterIT {

  private static final String NAME = "chat";
  private static final String V1 = "ghcr.io/acme/fleetlm:1.0.0";
  private static final String V2 = "ghcr.io/acme/fleetlm:2.0.0";

  private ReleaseTestBed bed;

  @BeforeEach
  void setUp() {
    bed = new ReleaseTestBed("cluster");
    bed.installReady(Releases.release(bed.namespace, NAME, V1, "1001", 3), 1001);
  }

  @AfterEach
  void tearDown() {
    bed.close();
  }

  @Test
  void threeReplicasAreReachableDiscoverableAndNamedForOneCluster() {
    Service http = service(NAME);
    assertThat(http.getSpec().getClusterIP()).isNotEqualTo("None");
    assertThat(http.getSpec().getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getPort()).isEqualTo(4000));
    Service headless = service(NAME + "-headless");
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
    PodDisruptionBudget budget = budget();
    assertThat(budget.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    for (HasMetadata owned : List.of(http, headless, budget, cookie())) {
      assertThat(owned.getMetadata().getOwnerReferences())
          .singleElement()
          .satisfies(o -> assertThat(o.getName()).isEqualTo(NAME));
    }

    List<Pod> pods = bed.appPods();
    assertThat(pods).hasSize(3);
    for (Pod pod : pods) {
      Map<String, EnvVar> env =
          pod.getSpec().getContainers().get(0).getEnv().stream()
              .collect(Collectors.toMap(EnvVar::getName, e -> e));
      assertThat(env.get("POD_IP").getValueFrom().getFieldRef().getFieldPath())
          .isEqualTo("status.podIP");
      assertThat(env.get("RELEASE_NODE").getValue()).isEqualTo("fleetlm@$(POD_IP)");
      assertThat(env.get("DNS_CLUSTER_QUERY").getValue())
          .isEqualTo(NAME + "-headless." + bed.namespace + ".svc.cluster.local");
      assertThat(env.get("RELEASE_COOKIE").getValueFrom().getSecretKeyRef().getName())
          .isEqualTo(NAME + "-cookie");
    }
    Set<String> podIps =
        pods.stream().map(p -> p.getStatus().getPodIP()).collect(Collectors.toSet());
    await()
        .atMost(ReleaseTestBed.TIMEOUT)
        .untilAsserted(() -> assertThat(headlessAddresses()).isEqualTo(podIps));
    FleetlmRelease ready = awaitPhase(bed.client, bed.namespace, NAME, "Ready");
    assertThat(ready.getStatus().getClusterMembers()).isEqualTo(3);
    assertThat(ready.getStatus().getHeadlessService()).isEqualTo(NAME + "-headless");
    assertThat(ready.getStatus().getService()).isEqualTo(NAME);
  }

  @Test
  void aRollingUpgradeNeverHasFewerThanThreeReadyPodsAndKeepsTheCookie() {
    var strategy = bed.deployment(NAME).getSpec().getStrategy().getRollingUpdate();
    assertThat(strategy.getMaxUnavailable().getIntVal()).isZero();
    assertThat(strategy.getMaxSurge().getIntVal()).isEqualTo(1);
    String cookie = cookie().getData().get("RELEASE_COOKIE");
    ReadyPods ready = new ReadyPods();
    try (Watch watch =
        bed.client
            .pods()
            .inNamespace(bed.namespace)
            .withLabel(ResourceNames.LABEL_COMPONENT, ResourceNames.COMPONENT_APP)
            .watch(ready)) {
      await().atMost(ReleaseTestBed.TIMEOUT).until(() -> ready.now() == 3);
      ready.startCounting();
      bed.editRelease(NAME, r -> r.getSpec().setImage(V2));
      bed.container.migrateAndSucceed(
          bed.container.awaitRunningPod(V2), bed.db, bed.database, 1001);
      await()
          .atMost(ReleaseTestBed.TIMEOUT)
          .until(
              () -> awaitPhase(bed.client, bed.namespace, NAME, "Ready"),
              r -> V2.equals(r.getStatus().getCurrentImage()));
      await()
          .atMost(ReleaseTestBed.TIMEOUT)
          .until(
              () ->
                  bed.appPods().stream()
                      .allMatch(p -> V2.equals(p.getSpec().getContainers().get(0).getImage())));
    }
    System.out.printf(
        "measured: rolling upgrade of 3 replicas, fewest Ready pods seen by the watch: %d%n",
        ready.fewest());
    assertThat(ready.fewest()).isGreaterThanOrEqualTo(3);
    assertThat(cookie().getData().get("RELEASE_COOKIE"))
        .as("pods of the old and the new image share one cookie")
        .isEqualTo(cookie);
  }

  @Test
  void editedOrDeletedClusterObjectsArePutBackAndGoWithTheRelease() {
    bed.client.services().inNamespace(bed.namespace).withName(NAME).delete();
    bed.client
        .policy()
        .v1()
        .podDisruptionBudget()
        .inNamespace(bed.namespace)
        .withName(NAME)
        .edit(
            b -> {
              b.getSpec().setMaxUnavailable(new IntOrString(3));
              return b;
            });

    await()
        .atMost(ReleaseTestBed.TIMEOUT)
        .until(
            () ->
                bed.client.services().inNamespace(bed.namespace).withName(NAME).get() != null
                    && budget().getSpec().getMaxUnavailable().getIntVal() == 1);
    await()
        .atMost(ReleaseTestBed.TIMEOUT)
        .until(() -> bed.eventReasons().contains("DriftCorrected"));

    bed.client.resources(FleetlmRelease.class).inNamespace(bed.namespace).withName(NAME).delete();
    await()
        .atMost(ReleaseTestBed.TIMEOUT)
        .until(
            () ->
                bed.client.services().inNamespace(bed.namespace).list().getItems().isEmpty()
                    && bed.client
                        .policy()
                        .v1()
                        .podDisruptionBudget()
                        .inNamespace(bed.namespace)
                        .list()
                        .getItems()
                        .isEmpty()
                    && bed.client
                            .secrets()
                            .inNamespace(bed.namespace)
                            .withName(NAME + "-cookie")
                            .get()
                        == null);
  }

  private Service service(String name) {
    return bed.client.services().inNamespace(bed.namespace).withName(name).get();
  }

  private PodDisruptionBudget budget() {
    return bed.budget(NAME);
  }

  private Secret cookie() {
    return bed.client.secrets().inNamespace(bed.namespace).withName(NAME + "-cookie").get();
  }

  private Set<String> headlessAddresses() {
    return bed
        .client
        .discovery()
        .v1()
        .endpointSlices()
        .inNamespace(bed.namespace)
        .withLabel("kubernetes.io/service-name", NAME + "-headless")
        .list()
        .getItems()
        .stream()
        .flatMap(
            s -> s.getEndpoints() == null ? Stream.<Endpoint>empty() : s.getEndpoints().stream())
        .flatMap(e -> e.getAddresses().stream())
        .collect(Collectors.toSet());
  }

  /** Ready app pods that are not being deleted, as the watch shows them, and the fewest seen. */
  private static final class ReadyPods implements Watcher<Pod> {
    private final Map<String, Boolean> ready = new ConcurrentHashMap<>();
    private final AtomicInteger fewest = new AtomicInteger(Integer.MAX_VALUE);
    private volatile boolean counting;

    @Override
    public synchronized void eventReceived(Action action, Pod pod) {
      String name = pod.getMetadata().getName();
      boolean isReady =
          action != Action.DELETED
              && pod.getMetadata().getDeletionTimestamp() == null
              && pod.getStatus() != null
              && pod.getStatus().getConditions() != null
              && pod.getStatus().getConditions().stream()
                  .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
      ready.put(name, isReady);
      if (counting) {
        fewest.accumulateAndGet(now(), Math::min);
      }
    }

    int now() {
      return (int) ready.values().stream().filter(Boolean::booleanValue).count();
    }

    void startCounting() {
      counting = true;
      fewest.set(now());
    }

    int fewest() {
      return fewest.get();
    }

    @Override
    public void onClose(WatcherException cause) {}
  }
}
