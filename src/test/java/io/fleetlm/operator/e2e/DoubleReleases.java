package io.fleetlm.operator.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.it.Releases;
import io.fleetlm.operator.it.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Releases of the FleetLM double on the real node, as the tests and the bench of the operator's
 * node roll make them: app:1 (migrations up to V2), upgraded to app:2 (up to V4), with the double's
 * FleetLM coordinator at 32 groups and 500 ms a group change.
 */
final class DoubleReleases {

  static final String APP_1 = "localhost/fleetlm/app:1";
  static final String APP_2 = "localhost/fleetlm/app:2";
  static final String V2 = "20251001063431";
  static final String V4 = "20251019063736";
  static final int GROUPS = 32;

  private DoubleReleases() {}

  /** Creates the release and its database Secret, {@code <name>-db}, for pods on the node. */
  static void create(
      KubernetesClient client,
      RealNode node,
      TestDatabase db,
      String namespace,
      String name,
      String database,
      int replicas) {
    Releases.createDatabaseSecretNamed(
        client, namespace, name + "-db", db.ectoUrlForPods(database));
    FleetlmRelease release = node.place(Releases.release(namespace, name, APP_1, V2, replicas));
    release.getSpec().getDatabase().getUrlSecretRef().setName(name + "-db");
    release.getSpec().getDatabase().getSecretKeyBaseSecretRef().setName(name + "-db");
    release
        .getSpec()
        .setEnv(
            List.of(
                new EnvVar("FLEETLM_STANDIN_GROUPS", "" + GROUPS, null),
                new EnvVar("FLEETLM_STANDIN_DEBOUNCE_MS", "1000", null),
                new EnvVar("FLEETLM_STANDIN_REBALANCE_MS", "500", null)));
    client.resource(release).create();
  }

  static void upgrade(KubernetesClient client, String namespace, String name) {
    Releases.edit(
        client,
        namespace,
        name,
        r -> {
          r.getSpec().setImage(APP_2);
          r.getSpec().getMigration().setExpectedVersion(V4);
        });
  }

  static void awaitReady(
      KubernetesClient client, String namespace, String name, String image, Duration limit) {
    await()
        .atMost(limit)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> Releases.get(client, namespace, name),
            r -> image.equals(r.getStatus().getCurrentImage()) && readyAtItsGeneration(r));
  }

  static boolean readyAtItsGeneration(FleetlmRelease r) {
    return r.getStatus() != null
        && Releases.condition(r, "Ready").map(c -> "True".equals(c.getStatus())).orElse(false)
        && Objects.equals(r.getStatus().getObservedGeneration(), r.getMetadata().getGeneration());
  }
}
