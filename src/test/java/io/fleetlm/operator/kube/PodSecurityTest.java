package io.fleetlm.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.PodSecuritySpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * kubelet refuses a container with runAsNonRoot and no numeric user when the image's USER is a name
 * (FleetLM's is `app`). Both pod templates must therefore carry a numeric, non-root user.
 */
class PodSecurityTest {

  private final FleetlmRelease release = ReleaseFixture.release("chat", "fleetlm:1");

  @Test
  void everyContainerWithRunAsNonRootHasANumericNonRootUserByDefault() {
    for (Map.Entry<String, PodSpec> template : templates().entrySet()) {
      PodSpec pod = template.getValue();
      for (Container container : pod.getContainers()) {
        if (Boolean.TRUE.equals(effectiveRunAsNonRoot(pod, container))) {
          assertThat(effectiveRunAsUser(pod, container))
              .as("%s container %s", template.getKey(), container.getName())
              .isNotNull()
              .isPositive();
        }
      }
      assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    }
  }

  @Test
  void defaultsAreFleetlmsAppUserAndGroup() {
    for (PodSpec pod : templates().values()) {
      PodSecurityContext context = pod.getSecurityContext();
      assertThat(context.getRunAsUser()).isEqualTo(1000L);
      assertThat(context.getRunAsGroup()).isEqualTo(1000L);
      assertThat(context.getFsGroup()).isEqualTo(1000L);
    }
  }

  @Test
  void theOverrideReachesTheJobAndTheDeployment() {
    PodSecuritySpec ids = new PodSecuritySpec();
    ids.setRunAsUser(65532L);
    ids.setRunAsGroup(65533L);
    ids.setFsGroup(65534L);
    release.getSpec().setSecurityContext(ids);

    assertThat(templates())
        .hasSize(2)
        .allSatisfy(
            (kind, pod) -> {
              assertThat(pod.getSecurityContext().getRunAsUser()).as(kind).isEqualTo(65532L);
              assertThat(pod.getSecurityContext().getRunAsGroup()).as(kind).isEqualTo(65533L);
              assertThat(pod.getSecurityContext().getFsGroup()).as(kind).isEqualTo(65534L);
            });
  }

  @Test
  void aPartialOverrideKeepsTheOtherDefaults() {
    PodSecuritySpec ids = new PodSecuritySpec();
    ids.setRunAsUser(2000L);
    release.getSpec().setSecurityContext(ids);

    for (PodSpec pod : templates().values()) {
      assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(2000L);
      assertThat(pod.getSecurityContext().getRunAsGroup()).isEqualTo(1000L);
      assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(1000L);
    }
  }

  @Test
  void containersMeetTheRestrictedStandard() {
    for (PodSpec pod : templates().values()) {
      assertThat(pod.getSecurityContext().getSeccompProfile().getType())
          .isEqualTo("RuntimeDefault");
      for (Container container : pod.getContainers()) {
        SecurityContext context = container.getSecurityContext();
        assertThat(context.getAllowPrivilegeEscalation()).isFalse();
        assertThat(context.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(context.getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(context.getPrivileged()).isNotEqualTo(Boolean.TRUE);
      }
    }
  }

  @Test
  void rootFilesystemsAreReadOnlyUnlessTheSpecSaysOtherwise() {
    for (PodSpec pod : templates().values()) {
      assertThat(pod.getContainers().get(0).getSecurityContext().getReadOnlyRootFilesystem())
          .isTrue();
    }
    PodSecuritySpec writable = new PodSecuritySpec();
    writable.setReadOnlyRootFilesystem(false);
    release.getSpec().setSecurityContext(writable);
    for (PodSpec pod : templates().values()) {
      assertThat(pod.getContainers().get(0).getSecurityContext().getReadOnlyRootFilesystem())
          .isFalse();
    }
  }

  private Map<String, PodSpec> templates() {
    return Map.of(
        "Job",
        MigrationJobFactory.build(release, "id").getSpec().getTemplate().getSpec(),
        "Deployment",
        AppDeploymentFactory.build(release, "fleetlm:1", "id").getSpec().getTemplate().getSpec());
  }

  /** The container's own setting wins over the pod's, as kubelet resolves it. */
  private static Boolean effectiveRunAsNonRoot(PodSpec pod, Container container) {
    return firstNonNull(
        container.getSecurityContext() == null
            ? null
            : container.getSecurityContext().getRunAsNonRoot(),
        pod.getSecurityContext() == null ? null : pod.getSecurityContext().getRunAsNonRoot());
  }

  private static Long effectiveRunAsUser(PodSpec pod, Container container) {
    return firstNonNull(
        container.getSecurityContext() == null
            ? null
            : container.getSecurityContext().getRunAsUser(),
        pod.getSecurityContext() == null ? null : pod.getSecurityContext().getRunAsUser());
  }

  private static <T> T firstNonNull(T first, T second) {
    return first != null ? first : second;
  }
}
