package io.fleetlm.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import org.junit.jupiter.api.Test;

class TrimmedItemStoreTest {

  @Test
  void keepsWhatTheOperatorReadsAndDropsTheRest() {
    TrimmedItemStore<Deployment> deployments = new TrimmedItemStore<>();
    Deployment deployment =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("chat")
            .withNamespace("apps")
            .addToAnnotations(TrimmedItemStore.LAST_APPLIED, "{\"a copy\":\"of the spec\"}")
            .addToAnnotations("fleetlm.io/desired-hash", "abc")
            .withManagedFields(new ManagedFieldsEntry())
            .endMetadata()
            .withNewSpec()
            .withReplicas(3)
            .endSpec()
            .build();

    deployments.put(deployments.getKey(deployment), deployment);

    Deployment cached = deployments.get("apps/chat");
    assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(cached.getMetadata().getAnnotations()).containsOnlyKeys("fleetlm.io/desired-hash");
    assertThat(cached.getSpec().getReplicas()).isEqualTo(3);
  }

  @Test
  void aMigrationJobKeepsItsContainersNamesAndImagesOnly() {
    TrimmedItemStore<Job> jobs = TrimmedItemStore.jobs();
    Job job =
        new JobBuilder()
            .withNewMetadata()
            .withName("chat-migrate-1")
            .withNamespace("apps")
            .addToLabels("fleetlm.io/release", "chat")
            .endMetadata()
            .withNewSpec()
            .withBackoffLimit(0)
            .withNewTemplate()
            .withNewSpec()
            .withServiceAccountName("migrator")
            .addNewContainer()
            .withName("migrate")
            .withImage("ghcr.io/acme/fleetlm:2")
            .addNewEnv()
            .withName("MIGRATE_ON_BOOT")
            .withValue("false")
            .endEnv()
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .withNewStatus()
            .withSucceeded(1)
            .endStatus()
            .build();

    jobs.put(jobs.getKey(job), job);

    Job cached = jobs.get("apps/chat-migrate-1");
    assertThat(cached.getMetadata().getLabels()).containsEntry("fleetlm.io/release", "chat");
    assertThat(cached.getStatus().getSucceeded()).isEqualTo(1);
    assertThat(cached.getSpec().getBackoffLimit()).isZero();
    var pod = cached.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isNull();
    assertThat(pod.getContainers())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getName()).isEqualTo("migrate");
              assertThat(c.getImage()).isEqualTo("ghcr.io/acme/fleetlm:2");
              assertThat(c.getEnv()).isEmpty();
            });
  }
}
