package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.KubernetesListBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseStatus;
import io.fleetlm.operator.kube.ResourceNames;
import io.fleetlm.operator.rollout.ClusterState;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * An operator upgrade must not touch what the previous release of the operator finished: releases
 * it made Ready stay Ready, no migration Job starts, and the Deployment is not rolled. The objects
 * the previous operator wrote are a recorded fixture (src/test/resources/compat/&lt;commit&gt;):
 * recorded by this class run with {@code -Dcompat.record=DIR} on that commit, replayed here onto
 * the real API server and database before HEAD's operator starts.
 */
class UpgradeCompatibilityIT {

  /** The commit whose operator wrote the fixture; a new fixture is added beside it, not over it. */
  private static final String RECORDED_BY = "a04923e";

  /**
   * The namespace the fixture was recorded in and is replayed into: it is part of what the operator
   * writes (the cluster's DNS query), so replaying elsewhere would be a different release.
   */
  private static final String NAMESPACE = "compat-" + RECORDED_BY;

  private static final String FIXTURE_COOKIE =
      java.util.Base64.getEncoder()
          .encodeToString("compat-fixture-cookie-not-a-secret".getBytes(StandardCharsets.UTF_8));

  /**
   * The upgraded operator as installed, clusterRoll nodes: releases that a Deployment runs keep it
   * (the fixture's are clustered), so an upgrade changes nothing even where the roll changed.
   */
  private static final Map<String, String> PRODUCTION_ROLL =
      Map.of("fleetlm.operator.cluster-roll", "nodes");

  private static final long VERSION = 20251019063736L;
  private static final List<String> NAMES = List.of("chat", "chat-pinned");

  @Test
  void releasesMadeReadyByThePreviousOperatorStayReadyWithNoNewJob() {
    String recordTo = System.getProperty("compat.record");
    if (recordTo != null) {
      record(Path.of(recordTo));
      return;
    }
    try (ReleaseTestBed bed = ReleaseTestBed.inExactNamespace(NAMESPACE, PRODUCTION_ROLL)) {
      bed.operator.stop();
      MigrationStandIn.applyEctoMigrations(bed.db, bed.database, 20251001063431L, VERSION);
      List<FleetlmRelease> releases = replay(bed);
      Map<String, String> replayed = new HashMap<>();
      releases.forEach(
          r -> replayed.put(r.getMetadata().getName(), Serialization.asJson(r.getStatus())));
      Map<String, Long> deploymentGenerations = new HashMap<>();
      for (FleetlmRelease release : releases) {
        String name = release.getMetadata().getName();
        int replicas = release.getSpec().getReplicas();
        Deployment running =
            await()
                .atMost(ReleaseTestBed.TIMEOUT)
                .until(
                    () -> bed.deployment(name),
                    d ->
                        d.getStatus() != null
                            && Objects.equals(d.getStatus().getAvailableReplicas(), replicas));
        deploymentGenerations.put(name, running.getMetadata().getGeneration());
        // What the previous operator saw when it made the release Ready: every pod a member.
        await()
            .atMost(ReleaseTestBed.TIMEOUT)
            .until(() -> servingMembers(bed, release) == replicas);
      }
      List<String> notReady = new CopyOnWriteArrayList<>();
      try (Watch watch = watchReady(bed, notReady)) {
        bed.operator.start();
        for (String name : NAMES) {
          await()
              .atMost(ReleaseTestBed.TIMEOUT)
              .until(() -> bed.operator.reconciliationsOf(bed.namespace, name) >= 1);
        }
      }
      assertThat(notReady).as("statuses of the releases with Ready not True").isEmpty();
      assertThat(bed.jobs()).as("migration Jobs started by the upgraded operator").isEmpty();
      for (String name : NAMES) {
        FleetlmRelease now = bed.release(name);
        // The one thing the upgraded operator adds: which database the releases were verified
        // in (the previous operator did not record it). Nothing else is written.
        assertThat(now.getStatus().getDatabase()).isEqualTo(bed.db.identity(bed.database));
        assertThat(now.getStatus().getHistory())
            .allSatisfy(r -> assertThat(r.database()).isEqualTo(bed.db.identity(bed.database)));
        assertThat(Serialization.asJson(withoutDatabase(now.getStatus())))
            .as("status of %s as written by the upgraded operator", name)
            .isEqualTo(replayed.get(name));
        assertThat(now.getStatus().getPhase().name()).isEqualTo("Ready");
        assertThat(now.getStatus().getObservedGeneration())
            .isEqualTo(now.getMetadata().getGeneration());
        assertThat(bed.deployment(name).getMetadata().getGeneration())
            .as("generation of Deployment %s (a change rolls every pod)", name)
            .isEqualTo(deploymentGenerations.get(name));
      }
      assertThat(managedNames(bed))
          .as("objects of the releases after the upgrade")
          .containsExactlyInAnyOrderElementsOf(
              fixtureObjects().stream()
                  .map(o -> o.getKind() + "/" + o.getMetadata().getName())
                  .toList());
    }
  }

  /** The status as an operator that did not record databases would have written it. */
  private static FleetlmReleaseStatus withoutDatabase(FleetlmReleaseStatus status) {
    status.setDatabase(null);
    status.setHistory(status.getHistory().stream().map(r -> r.inDatabase(null)).toList());
    return status;
  }

  /** Creates the recorded releases with their status, then the objects the operator owned. */
  private static List<FleetlmRelease> replay(ReleaseTestBed bed) {
    List<FleetlmRelease> created = new ArrayList<>();
    Map<String, FleetlmRelease> byName = new HashMap<>();
    for (FleetlmRelease recorded : fixtureReleases()) {
      FleetlmReleaseStatus status = recorded.getStatus();
      recorded.setStatus(null);
      recorded.getMetadata().setNamespace(bed.namespace);
      FleetlmRelease release = bed.client.resource(recorded).create();
      // The CRD's schema is a contract too: a field it no longer knows would be pruned here.
      assertThat(Serialization.asJson(release.getSpec()))
          .as("spec of %s as the API server stored it", release.getMetadata().getName())
          .isEqualTo(Serialization.asJson(recorded.getSpec()));
      release.setStatus(status);
      release = bed.client.resource(release).updateStatus();
      created.add(release);
      byName.put(release.getMetadata().getName(), release);
    }
    for (HasMetadata object : fixtureObjects()) {
      ObjectMeta meta = object.getMetadata();
      meta.setNamespace(bed.namespace);
      FleetlmRelease owner = byName.get(meta.getLabels().get(ResourceNames.LABEL_RELEASE));
      meta.setOwnerReferences(
          List.of(
              new OwnerReferenceBuilder()
                  .withApiVersion(owner.getApiVersion())
                  .withKind(owner.getKind())
                  .withName(owner.getMetadata().getName())
                  .withUid(owner.getMetadata().getUid())
                  .withController(true)
                  .withBlockOwnerDeletion(true)
                  .build()));
      bed.client.resource(object).create();
    }
    return created;
  }

  private static Watch watchReady(ReleaseTestBed bed, List<String> notReady) {
    return bed.client
        .resources(FleetlmRelease.class)
        .inNamespace(bed.namespace)
        .watch(
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, FleetlmRelease release) {
                boolean ready =
                    Releases.condition(release, "Ready")
                        .map(c -> "True".equals(c.getStatus()))
                        .orElse(false);
                if (!ready) {
                  notReady.add(
                      release.getMetadata().getName()
                          + ": "
                          + Serialization.asJson(release.getStatus()));
                }
              }

              @Override
              public void onClose(WatcherException cause) {}
            });
  }

  private static int servingMembers(ReleaseTestBed bed, FleetlmRelease release) {
    return ClusterState.servingPods(
        bed.client
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace(bed.namespace)
            .withLabel("kubernetes.io/service-name", ResourceNames.headlessServiceName(release))
            .list()
            .getItems());
  }

  private static List<String> managedNames(ReleaseTestBed bed) {
    return managedObjects(bed).stream()
        .map(o -> o.getKind() + "/" + o.getMetadata().getName())
        .toList();
  }

  /** The objects of the release kinds the operator labels as its own, in the test's namespace. */
  private static List<HasMetadata> managedObjects(ReleaseTestBed bed) {
    return Stream.of(Deployment.class, Service.class, PodDisruptionBudget.class, Secret.class)
        .flatMap(
            kind ->
                bed
                    .client
                    .resources(kind)
                    .inNamespace(bed.namespace)
                    .withLabel(ResourceNames.LABEL_MANAGED_BY, ResourceNames.MANAGED_BY)
                    .list()
                    .getItems()
                    .stream())
        .map(HasMetadata.class::cast)
        .toList();
  }

  private static List<FleetlmRelease> fixtureReleases() {
    try (InputStream in = fixture("releases.yaml")) {
      return List.of(Serialization.unmarshal(in, FleetlmRelease[].class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<HasMetadata> fixtureObjects() {
    try (InputStream in = fixture("objects.yaml")) {
      return Serialization.unmarshal(in, KubernetesList.class).getItems();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InputStream fixture(String file) {
    String path = "/compat/" + RECORDED_BY + "/" + file;
    return Objects.requireNonNull(
        UpgradeCompatibilityIT.class.getResourceAsStream(path), "fixture " + path);
  }

  /** What the operator of this commit leaves for two Ready releases, written to dir. */
  private static void record(Path dir) {
    try (ReleaseTestBed bed = ReleaseTestBed.inExactNamespace(NAMESPACE, Map.of())) {
      FleetlmRelease chat =
          Releases.release(bed.namespace, "chat", "ghcr.io/cpluss/fleetlm:main-1", "" + VERSION, 2);
      FleetlmRelease pinned =
          Releases.release(
              bed.namespace, "chat-pinned", "ghcr.io/cpluss/fleetlm:main-2", "" + VERSION, 1);
      pinned.getSpec().getMigration().setRequiredVersions(List.of("20251001063431"));
      pinned.getSpec().getMigration().setRunId("first");
      MigrationStandIn.applyEctoMigrations(bed.db, bed.database, 20251001063431L);
      bed.installReady(chat, VERSION);
      // installReady counts every app pod in the namespace, so the second release is made by hand.
      bed.client.resource(pinned).create();
      bed.container.migrateAndSucceed(
          bed.container.awaitRunningPod(pinned.getSpec().getImage()),
          bed.db,
          bed.database,
          VERSION);
      Releases.awaitPhase(bed.client, bed.namespace, "chat-pinned", "Ready");
      await().atMost(ReleaseTestBed.TIMEOUT).until(() -> bed.appPods().size() == 3);
      List<FleetlmRelease> releases = new ArrayList<>();
      List<HasMetadata> objects = new ArrayList<>();
      for (String name : NAMES) {
        FleetlmRelease release = bed.release(name);
        stripServerFields(release.getMetadata());
        release.getMetadata().setNamespace(null);
        releases.add(release);
      }
      managedObjects(bed)
          .forEach(
              object -> {
                stripServerFields(object.getMetadata());
                object.getMetadata().setNamespace(null);
                object.getMetadata().setOwnerReferences(null);
                if (object instanceof Deployment d) {
                  d.setStatus(null);
                } else if (object instanceof Service s) {
                  s.setStatus(null);
                  s.getSpec().setClusterIP(null);
                  s.getSpec().setClusterIPs(null);
                } else if (object instanceof PodDisruptionBudget b) {
                  b.setStatus(null);
                } else if (object instanceof Secret cookie) {
                  // A random cookie in the repository would look like a leaked secret.
                  cookie.getData().replaceAll((key, value) -> FIXTURE_COOKIE);
                }
                objects.add(object);
              });
      Files.createDirectories(dir);
      Files.writeString(
          dir.resolve("releases.yaml"),
          Serialization.asYaml(releases.toArray(new FleetlmRelease[0])));
      Files.writeString(
          dir.resolve("objects.yaml"),
          Serialization.asYaml(new KubernetesListBuilder().withItems(objects).build()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void stripServerFields(ObjectMeta meta) {
    meta.setUid(null);
    meta.setResourceVersion(null);
    meta.setCreationTimestamp(null);
    meta.setManagedFields(null);
    meta.setGeneration(null);
  }
}
