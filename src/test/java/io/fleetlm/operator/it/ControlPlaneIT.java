package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The local control plane behaves like a real cluster where the operator depends on it. */
class ControlPlaneIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private final KubernetesClient client = TestCluster.client();
  private String namespace;

  @BeforeEach
  void createNamespace() {
    namespace = TestCluster.createNamespace("control-plane");
  }

  @AfterEach
  void deleteNamespace() {
    TestCluster.deleteNamespace(namespace);
  }

  @Test
  void deploymentReachesThreeAvailableReplicas() {
    client.resource(deployment("web", 3)).create();

    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              Deployment d =
                  client.apps().deployments().inNamespace(namespace).withName("web").get();
              assertThat(d.getStatus().getAvailableReplicas()).isEqualTo(3);
            });
    assertThat(podsOf("app", "web")).hasSize(3).allMatch(p -> "Running".equals(phase(p)));
  }

  @Test
  void jobCompletesWhenTheTestEndsItsPodWithExitCodeZero() {
    client.resource(job("migrate-ok")).create();
    Pod pod = awaitRunningJobPod("migrate-ok");
    assertThat(jobCondition("migrate-ok", "Complete")).isFalse();

    PodExit.succeed(client, pod);

    await().atMost(TIMEOUT).until(() -> jobCondition("migrate-ok", "Complete"));
  }

  @Test
  void jobFailsWithTheTerminationMessageTheTestChose() {
    client.resource(job("migrate-bad")).create();
    Pod pod = awaitRunningJobPod("migrate-bad");

    PodExit.fail(client, pod, 3, "relation \"users\" already exists");

    await().atMost(TIMEOUT).until(() -> jobCondition("migrate-bad", "Failed"));
    var terminated =
        client
            .pods()
            .inNamespace(namespace)
            .withName(pod.getMetadata().getName())
            .get()
            .getStatus()
            .getContainerStatuses()
            .get(0)
            .getState()
            .getTerminated();
    assertThat(terminated.getExitCode()).isEqualTo(3);
    assertThat(terminated.getMessage()).isEqualTo("relation \"users\" already exists");
  }

  @Test
  void restrictedNamespaceRejectsPrivilegedPod() {
    String restricted =
        TestCluster.createNamespace(
            "restricted", Map.of("pod-security.kubernetes.io/enforce", "restricted"));
    try {
      Pod privileged =
          new PodBuilder()
              .withNewMetadata()
              .withName("privileged")
              .withNamespace(restricted)
              .endMetadata()
              .withNewSpec()
              .addNewContainer()
              .withName("c")
              .withImage("busybox")
              .withNewSecurityContext()
              .withPrivileged(true)
              .endSecurityContext()
              .endContainer()
              .endSpec()
              .build();

      assertThatThrownBy(() -> client.resource(privileged).create())
          .isInstanceOf(KubernetesClientException.class)
          .hasMessageContaining("violates PodSecurity \"restricted:latest\"")
          .hasMessageContaining("privileged");
    } finally {
      TestCluster.deleteNamespace(restricted);
    }
  }

  @Test
  void deletingADeploymentGarbageCollectsItsReplicaSetsAndPods() {
    client.resource(deployment("gc", 2)).create();
    await().atMost(TIMEOUT).until(() -> podsOf("app", "gc").size() == 2);
    assertThat(client.apps().replicaSets().inNamespace(namespace).list().getItems()).hasSize(1);

    client.apps().deployments().inNamespace(namespace).withName("gc").delete();

    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              assertThat(client.apps().replicaSets().inNamespace(namespace).list().getItems())
                  .isEmpty();
              assertThat(podsOf("app", "gc")).isEmpty();
            });
  }

  private Deployment deployment(String name, int replicas) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .addToMatchLabels("app", name)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", name)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("web")
        .withImage("nginx:1.27")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private Job job(String name) {
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(0)
        .withNewTemplate()
        .withNewSpec()
        .withRestartPolicy("Never")
        .addNewContainer()
        .withName("migrate")
        .withImage("fleetlm:test")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private Pod awaitRunningJobPod(String job) {
    return await()
        .atMost(TIMEOUT)
        .until(
            () -> podsOf("batch.kubernetes.io/job-name", job),
            pods -> pods.size() == 1 && "Running".equals(phase(pods.get(0))))
        .get(0);
  }

  private boolean jobCondition(String job, String type) {
    Job current = client.batch().v1().jobs().inNamespace(namespace).withName(job).get();
    return current.getStatus() != null
        && current.getStatus().getConditions() != null
        && current.getStatus().getConditions().stream()
            .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private List<Pod> podsOf(String label, String value) {
    return client.pods().inNamespace(namespace).withLabel(label, value).list().getItems();
  }

  private static String phase(Pod pod) {
    return pod.getStatus() == null ? null : pod.getStatus().getPhase();
  }
}
