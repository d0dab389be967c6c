package io.fleetlm.operator.it;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fleetlm.operator.kube.ResourceNames;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * Plays FleetLM's migration container, which kwok does not run: it applies Ecto-style migrations
 * for real (the tables and the schema_migrations rows) to the test database, then ends the Job's
 * pod with the exit code a real container would have.
 */
public final class MigrationStandIn {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final KubernetesClient client;
  private final String namespace;

  public MigrationStandIn(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /** Waits for the one running migration pod of the given image. */
  public Pod awaitRunningPod(String image) {
    return await()
        .atMost(TIMEOUT)
        .until(
            () ->
                runningPods().stream()
                    .filter(p -> image.equals(p.getSpec().getContainers().get(0).getImage()))
                    .findFirst(),
            java.util.Optional::isPresent)
        .orElseThrow();
  }

  /** Migration pods whose container "runs", i.e. is waiting for this stand-in to end it. */
  public List<Pod> runningPods() {
    return migrationPods(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()));
  }

  /** What Ecto.Migrator does for each version: run the DDL, record the version, in one go. */
  public static void applyEctoMigrations(TestDatabase db, String database, long... versions) {
    db.execute(
        database,
        "CREATE TABLE IF NOT EXISTS schema_migrations"
            + " (version bigint PRIMARY KEY, inserted_at timestamp(0) without time zone)");
    for (long version : versions) {
      db.execute(
          database,
          "CREATE TABLE IF NOT EXISTS feature_" + version + " (id bigserial PRIMARY KEY)",
          "INSERT INTO schema_migrations (version, inserted_at) VALUES ("
              + version
              + ", now()) ON CONFLICT DO NOTHING");
    }
  }

  public void migrateAndSucceed(Pod pod, TestDatabase db, String database, long... versions) {
    applyEctoMigrations(db, database, versions);
    PodExit.succeed(client, pod);
  }

  public void fail(Pod pod, int exitCode, String message) {
    PodExit.fail(client, pod, exitCode, message);
  }

  public List<Pod> migrationPods(Predicate<Pod> filter) {
    return client
        .pods()
        .inNamespace(namespace)
        .withLabel(ResourceNames.LABEL_COMPONENT, ResourceNames.COMPONENT_MIGRATION)
        .list()
        .getItems()
        .stream()
        .filter(filter)
        .toList();
  }
}
