package io.fleetlm.operator.it;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.ScalableResource;
import io.fleetlm.operator.api.DatabaseSpec;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseSpec;
import io.fleetlm.operator.api.MigrationSpec;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.api.SecretKeyReference;
import io.fleetlm.operator.kube.ResourceNames;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** FleetlmRelease fixtures and look-ups, as a user would write and read them. */
public final class Releases {

  public static final String SECRET = "fleetlm-db";
  private static final Path CRD = Path.of("crds", "fleetlmreleases.fleetlm.io-v1.yml");
  private static boolean crdInstalled;

  private Releases() {}

  /** The committed CRD, the one users install, applied once per test run. */
  public static synchronized void installCrd(KubernetesClient client) {
    if (crdInstalled) {
      return;
    }
    try (var in = new FileInputStream(CRD.toFile())) {
      CustomResourceDefinition crd =
          client.apiextensions().v1().customResourceDefinitions().load(in).item();
      client.resource(crd).forceConflicts().serverSideApply();
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .withName(crd.getMetadata().getName())
          .waitUntilCondition(
              c ->
                  c.getStatus() != null
                      && c.getStatus().getConditions() != null
                      && c.getStatus().getConditions().stream()
                          .anyMatch(
                              k ->
                                  "Established".equals(k.getType())
                                      && "True".equals(k.getStatus())),
              30,
              java.util.concurrent.TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    crdInstalled = true;
  }

  public static void createDatabaseSecret(
      KubernetesClient client, String namespace, String databaseUrl) {
    createDatabaseSecretNamed(client, namespace, SECRET, databaseUrl);
  }

  public static void createDatabaseSecretNamed(
      KubernetesClient client, String namespace, String name, String databaseUrl) {
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata()
                .addToStringData("DATABASE_URL", databaseUrl)
                .addToStringData("SECRET_KEY_BASE", "test-secret-key-base-not-a-real-one")
                .build())
        .create();
  }

  public static FleetlmRelease release(
      String namespace, String name, String image, String expectedVersion, int replicas) {
    FleetlmRelease release = new FleetlmRelease();
    release.getMetadata().setName(name);
    release.getMetadata().setNamespace(namespace);
    FleetlmReleaseSpec spec = new FleetlmReleaseSpec();
    spec.setImage(image);
    spec.setReplicas(replicas);
    spec.setPublicHost("chat.example.com");
    DatabaseSpec database = new DatabaseSpec();
    database.setUrlSecretRef(new SecretKeyReference(SECRET, "DATABASE_URL"));
    database.setSecretKeyBaseSecretRef(new SecretKeyReference(SECRET, "SECRET_KEY_BASE"));
    spec.setDatabase(database);
    MigrationSpec migration = new MigrationSpec();
    migration.setExpectedVersion(expectedVersion);
    spec.setMigration(migration);
    release.setSpec(spec);
    return release;
  }

  /**
   * Changes the release's spec as `kubectl edit` does, and does again what a person does when the
   * operator wrote the status in between (409 Conflict): read it afresh and make the change anew.
   */
  public static FleetlmRelease edit(
      KubernetesClient client,
      String namespace,
      String name,
      java.util.function.Consumer<FleetlmRelease> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        return client
            .resources(FleetlmRelease.class)
            .inNamespace(namespace)
            .withName(name)
            .edit(
                r -> {
                  change.accept(r);
                  return r;
                });
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 5) {
          throw e;
        }
      }
    }
  }

  /** The migration Jobs of a namespace, to list or watch. */
  public static FilterWatchListDeletable<Job, JobList, ScalableResource<Job>> migrationJobs(
      KubernetesClient client, String namespace) {
    return client
        .batch()
        .v1()
        .jobs()
        .inNamespace(namespace)
        .withLabel(ResourceNames.LABEL_COMPONENT, ResourceNames.COMPONENT_MIGRATION);
  }

  public static FleetlmRelease get(KubernetesClient client, String namespace, String name) {
    return client.resources(FleetlmRelease.class).inNamespace(namespace).withName(name).get();
  }

  /** Waits until the release's Ready condition carries this reason; returns that condition. */
  public static ReleaseCondition awaitReadyReason(
      KubernetesClient client, String namespace, String name, String reason, Duration timeout) {
    return await()
        .atMost(timeout)
        .until(
            () -> condition(get(client, namespace, name), "Ready"),
            c -> c.filter(ready -> reason.equals(ready.getReason())).isPresent())
        .orElseThrow();
  }

  public static Optional<ReleaseCondition> condition(FleetlmRelease release, String type) {
    if (release == null || release.getStatus() == null) {
      return Optional.empty();
    }
    return release.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst();
  }

  /** The release's app pods that are not on their way out. */
  public static List<Pod> appPods(KubernetesClient client, String namespace) {
    return client
        .pods()
        .inNamespace(namespace)
        .withLabel(ResourceNames.LABEL_COMPONENT, ResourceNames.COMPONENT_APP)
        .list()
        .getItems()
        .stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  /** Waits until the release reports the phase for its current generation. */
  public static FleetlmRelease awaitPhase(
      KubernetesClient client, String namespace, String name, String phase) {
    return awaitPhase(client, namespace, name, phase, Duration.ofSeconds(90));
  }

  public static FleetlmRelease awaitPhase(
      KubernetesClient client, String namespace, String name, String phase, Duration timeout) {
    return await()
        .atMost(timeout)
        .until(
            () -> get(client, namespace, name),
            r ->
                r.getStatus() != null
                    && r.getStatus().getPhase() != null
                    && phase.equals(r.getStatus().getPhase().name())
                    && r.getMetadata()
                        .getGeneration()
                        .equals(r.getStatus().getObservedGeneration()));
  }
}
