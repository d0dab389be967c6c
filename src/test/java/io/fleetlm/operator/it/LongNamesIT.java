package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.SecretKeyReference;
import io.fleetlm.operator.kube.OwnerReferences;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Names longer than what labels and Services hold are cut and given a hash of the whole name; every
 * lookup from an object back to its release must survive that. Releases named with 63, 64, 120 and
 * 253 characters, clustered and not, side by side in one namespace: each gets Ready with its own
 * Job and Services.
 */
class LongNamesIT {

  private static final long VERSION = 20251019063736L;

  @Test
  void releasesWithLongNamesGetReadyEachWithItsOwnObjects() {
    try (ReleaseTestBed bed = new ReleaseTestBed("long-names")) {
      List<String> names = new ArrayList<>();
      for (int length : List.of(63, 64, 120, 253)) {
        for (int replicas : List.of(1, 2)) {
          String name = nameOf(length, replicas);
          String image = "example.invalid/fleetlm:" + length + "-" + replicas;
          String database = bed.db.createDatabase();
          String secret = "db-" + length + "-" + replicas;
          Releases.createDatabaseSecretNamed(
              bed.client, bed.namespace, secret, bed.db.ectoUrl(database));
          FleetlmRelease release =
              Releases.release(bed.namespace, name, image, "" + VERSION, replicas);
          release
              .getSpec()
              .getDatabase()
              .setUrlSecretRef(new SecretKeyReference(secret, "DATABASE_URL"));
          release
              .getSpec()
              .getDatabase()
              .setSecretKeyBaseSecretRef(new SecretKeyReference(secret, "SECRET_KEY_BASE"));
          bed.client.resource(release).create();
          bed.container.migrateAndSucceed(
              bed.container.awaitRunningPod(image), bed.db, database, VERSION);
          names.add(name);
        }
      }

      for (String name : names) {
        FleetlmRelease ready = Releases.awaitPhase(bed.client, bed.namespace, name, "Ready");
        assertThat(ready.getStatus().getReady())
            .as("%d-character release", name.length())
            .isEqualTo(ready.getSpec().getReplicas() + "/" + ready.getSpec().getReplicas());
      }
      assertThat(bed.jobs()).hasSize(names.size());
      assertThat(bed.jobs().stream().map(j -> j.getMetadata().getName()).distinct())
          .hasSize(names.size());
      Map<String, List<String>> servicesByOwner =
          bed.client.services().inNamespace(bed.namespace).list().getItems().stream()
              .collect(
                  Collectors.groupingBy(
                      (Service s) -> OwnerReferences.releaseOf(s.getMetadata()).orElse("none"),
                      Collectors.mapping(s -> s.getMetadata().getName(), Collectors.toList())));
      for (String name : names) {
        assertThat(servicesByOwner.get(name))
            .as("Services of the %d-character release", name.length())
            .hasSize(2);
      }
    }
  }

  /** A DNS subdomain of exactly this length, distinct for each length and size. */
  private static String nameOf(int length, int replicas) {
    String prefix = "r" + replicas + "-";
    return prefix + "l".repeat(length - prefix.length());
  }
}
