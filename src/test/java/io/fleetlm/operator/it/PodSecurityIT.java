package io.fleetlm.operator.it;

import static io.fleetlm.operator.it.Releases.awaitPhase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.PodSecuritySpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pods a release creates are admitted where the "restricted" Pod Security Standard is enforced,
 * and carry a numeric user wherever runAsNonRoot is set: without one, kubelet refuses an image
 * whose USER is a name (FleetLM's `app`). kwok runs no container, so that refusal itself is shown
 * on the real node; here the API server's admission and the stored pods are what is checked.
 */
class PodSecurityIT {

  private static final String IMAGE = "ghcr.io/acme/fleetlm:1.0.0";

  private ReleaseTestBed bed;
  private KubernetesClient client;
  private String namespace;

  @BeforeEach
  void setUp() {
    bed =
        new ReleaseTestBed(
            "restricted",
            Map.of(
                "pod-security.kubernetes.io/enforce", "restricted",
                "pod-security.kubernetes.io/enforce-version", "latest"));
    client = bed.client;
    namespace = bed.namespace;
  }

  @AfterEach
  void tearDown() {
    bed.close();
  }

  @Test
  void theNamespaceReallyEnforcesRestricted() {
    Pod withoutUser =
        new PodBuilder()
            .withNewMetadata()
            .withName("root-allowed")
            .withNamespace(namespace)
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("c")
            .withImage(IMAGE)
            .endContainer()
            .endSpec()
            .build();
    assertThatThrownBy(() -> client.resource(withoutUser).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("violates PodSecurity \"restricted:latest\"");
  }

  @Test
  void defaultPodsRunAsFleetlmsNumericUserAndAreAdmitted() {
    client.resource(Releases.release(namespace, "chat", IMAGE, "1001", 2)).create();

    Pod migration = bed.container.awaitRunningPod(IMAGE);
    assertNumericNonRootIdentity(migration.getSpec(), 1000L, 1000L, 1000L);
    bed.container.migrateAndSucceed(migration, bed.db, bed.database, 1001);

    awaitPhase(client, namespace, "chat", "Ready");
    List<Pod> appPods = bed.appPods();
    assertThat(appPods).hasSize(2);
    appPods.forEach(p -> assertNumericNonRootIdentity(p.getSpec(), 1000L, 1000L, 1000L));
  }

  @Test
  void theOverrideReachesTheMigrationAndTheAppPods() {
    FleetlmRelease release = Releases.release(namespace, "chat", IMAGE, "1001", 2);
    PodSecuritySpec ids = new PodSecuritySpec();
    ids.setRunAsUser(65532L);
    ids.setRunAsGroup(65533L);
    ids.setFsGroup(65534L);
    release.getSpec().setSecurityContext(ids);
    client.resource(release).create();

    Pod migration = bed.container.awaitRunningPod(IMAGE);
    assertNumericNonRootIdentity(migration.getSpec(), 65532L, 65533L, 65534L);
    bed.container.migrateAndSucceed(migration, bed.db, bed.database, 1001);

    awaitPhase(client, namespace, "chat", "Ready");
    List<Pod> appPods = bed.appPods();
    assertThat(appPods).hasSize(2);
    appPods.forEach(p -> assertNumericNonRootIdentity(p.getSpec(), 65532L, 65533L, 65534L));
  }

  /** What kubelet resolves: a container's own setting wins over the pod's. */
  private static void assertNumericNonRootIdentity(
      PodSpec pod, long user, long group, long fsGroup) {
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(user);
    assertThat(pod.getSecurityContext().getRunAsGroup()).isEqualTo(group);
    assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(fsGroup);
    for (Container c : pod.getContainers()) {
      Boolean nonRoot = c.getSecurityContext().getRunAsNonRoot();
      Long containerUser = c.getSecurityContext().getRunAsUser();
      if (Boolean.TRUE.equals(nonRoot) || pod.getSecurityContext().getRunAsNonRoot()) {
        assertThat(containerUser != null ? containerUser : pod.getSecurityContext().getRunAsUser())
            .as("numeric user of container %s, which sets runAsNonRoot", c.getName())
            .isEqualTo(user);
      }
    }
  }
}
