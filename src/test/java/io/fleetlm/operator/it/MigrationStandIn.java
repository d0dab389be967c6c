package io.fleetlm.operator.it;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fleetlm.operator.kube.ResourceNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Plays FleetLM's migration container, which kwok does not run, and ends the Job's pod with the
 * exit code and termination message a real container would leave. Either it applies Ecto-style
 * migrations itself (the tables and the schema_migrations rows), or it runs the container's own
 * command with the FleetLM test double on this machine (the Elixir of the double's images, the
 * pod's environment), so that what ends the pod is what the double did.
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

  /**
   * Runs the pod's {@code eval EXPR} with the double's image on this machine, with the pod's
   * variables (Secrets resolved), then ends the pod as the kubelet would: exit code, the
   * termination message the command wrote, or the log tail when it failed without one
   * (FallbackToLogsOnError).
   */
  public Tools.Result playWithTheDouble(Pod pod, HostDouble image) {
    var container = pod.getSpec().getContainers().get(0);
    List<String> args = container.getArgs();
    if (args.size() != 2 || !"eval".equals(args.get(0))) {
      throw new IllegalArgumentException("not an eval of the release: " + args);
    }
    Path terminationLog = image.root().resolve("termination-log-" + pod.getMetadata().getName());
    Map<String, String> env = new HashMap<>();
    for (EnvVar variable : container.getEnv()) {
      if (variable.getValue() != null) {
        env.put(variable.getName(), variable.getValue());
      } else if (variable.getValueFrom() != null
          && variable.getValueFrom().getSecretKeyRef() != null) {
        var ref = variable.getValueFrom().getSecretKeyRef();
        Secret secret = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
        env.put(
            variable.getName(),
            new String(Base64.getDecoder().decode(secret.getData().get(ref.getKey()))));
      }
    }
    Tools.Result run =
        image.eval(args.get(1).replace("/dev/termination-log", terminationLog.toString()), env);
    String message;
    try {
      message = Files.exists(terminationLog) ? Files.readString(terminationLog) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (message.isEmpty() && run.exitCode() != 0) {
      message = logTail(run.output());
    }
    PodExit.fail(client, pod, run.exitCode(), message);
    return run;
  }

  /** What the kubelet keeps of a log for FallbackToLogsOnError: 80 lines, at most 2 KiB. */
  private static String logTail(String output) {
    List<String> lines = output.lines().toList();
    String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
    return tail.length() <= 2048 ? tail : tail.substring(tail.length() - 2048);
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
