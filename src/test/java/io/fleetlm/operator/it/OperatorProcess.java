package io.fleetlm.operator.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged operator (target/quarkus-app), run as its own process, as a Pod would run it: with
 * the image's JVM options (src/main/jvm/operator.options) and class archive.
 */
public final class OperatorProcess implements AutoCloseable {

  private static final Path APP = Path.of("target", "quarkus-app").toAbsolutePath();
  private static final Path JAR = APP.resolve("quarkus-run.jar");
  public static final Path JVM_OPTIONS = Path.of("src", "main", "jvm", "operator.options");

  /** What the image starts the JVM with: its options file and the build's class archive. */
  public static final List<String> IMAGE_OPTIONS =
      List.of(
          "@" + JVM_OPTIONS.toAbsolutePath(),
          "-XX:SharedArchiveFile=" + APP.resolve("app-cds.jsa"));

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final Process process;
  private final int port;

  private OperatorProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  public static OperatorProcess start(Path kubeconfig, Map<String, String> env, Path log) {
    return start(kubeconfig, env, log, "/q/health/ready");
  }

  /**
   * @param healthPath what to wait for: a replica that is not the leader is live but never ready
   */
  public static OperatorProcess start(
      Path kubeconfig, Map<String, String> env, Path log, String healthPath) {
    return start(
        Path.of(System.getProperty("java.home")), IMAGE_OPTIONS, kubeconfig, env, log, healthPath);
  }

  /**
   * @param javaHome the JDK or JRE to run it on
   * @param jvmOptions what goes before -jar
   */
  public static OperatorProcess start(
      Path javaHome,
      List<String> jvmOptions,
      Path kubeconfig,
      Map<String, String> env,
      Path log,
      String healthPath) {
    OperatorProcess operator = launch(javaHome, jvmOptions, kubeconfig, env, log);
    operator.awaitHealth(healthPath, Duration.ofSeconds(60));
    return operator;
  }

  /** Starts the process without waiting for anything. */
  public static OperatorProcess launch(
      Path javaHome, List<String> jvmOptions, Path kubeconfig, Map<String, String> env, Path log) {
    try {
      int port = freePort();
      List<String> command = new ArrayList<>();
      command.add(javaHome.resolve("bin").resolve("java").toString());
      command.addAll(jvmOptions);
      command.add("-jar");
      command.add(JAR.toString());
      // From the application's directory, as the image runs it: the class archive expects it.
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(APP.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toAbsolutePath().toFile());
      builder.environment().put("KUBECONFIG", kubeconfig.toString());
      builder.environment().put("FLEETLM_HTTP_PORT", String.valueOf(port));
      // As the image sets it: glibc's per-thread arenas would hold memory the JVM gave back.
      builder.environment().put("MALLOC_ARENA_MAX", "2");
      // kwok's pods run no FleetLM node to ask (OperatorHarness.KWOK_CLUSTER_ROLL).
      builder.environment().put("FLEETLM_OPERATOR_CLUSTER_ROLL", "deployment");
      builder.environment().putAll(env);
      return new OperatorProcess(builder.start(), port);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + JAR, e);
    }
  }

  public void awaitHealth(String healthPath, Duration limit) {
    OperatorProcess operator = this;
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptionsInstanceOf(java.io.UncheckedIOException.class)
        .until(() -> operator.get(healthPath).statusCode() == 200);
  }

  public HttpResponse<String> get(String path) {
    if (!process.isAlive()) {
      throw new IllegalStateException("the operator process exited with " + process.exitValue());
    }
    try {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(Duration.ofSeconds(5))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Resident memory of the operator process, from /proc (Linux). */
  public long rssKiB() {
    return procStatus("VmRSS:");
  }

  /** The most resident memory the process has had (its high-water mark), from /proc (Linux). */
  public long peakRssKiB() {
    return procStatus("VmHWM:");
  }

  /** CPU time the process has used, user and system, from /proc (Linux). */
  public double cpuSeconds() {
    try {
      String stat = java.nio.file.Files.readString(Path.of("/proc", pid(), "stat"));
      // Fields after the command name, which is in parentheses and may hold spaces.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      return ticks / 100.0;
    } catch (IOException e) {
      return -1;
    }
  }

  private long procStatus(String field) {
    try {
      return java.nio.file.Files.readAllLines(Path.of("/proc", pid(), "status")).stream()
          .filter(l -> l.startsWith(field))
          .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
          .findFirst()
          .orElse(-1);
    } catch (IOException e) {
      return -1;
    }
  }

  private String pid() {
    return String.valueOf(process.pid());
  }

  /**
   * Sends SIGTERM, as the kubelet does, and waits for the process to end.
   *
   * @return how long it took to exit
   * @throws IllegalStateException if it had not exited after {@code limit}
   */
  public Duration terminate(Duration limit) {
    long start = System.nanoTime();
    process.destroy();
    try {
      if (!process.waitFor(limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            "the operator did not exit within " + limit + " of SIGTERM");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
