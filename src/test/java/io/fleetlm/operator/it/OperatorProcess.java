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
import java.util.Map;

/** The packaged operator (target/quarkus-app), run as its own process, as a Pod would run it. */
public final class OperatorProcess implements AutoCloseable {

  private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
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
    try {
      int port = freePort();
      ProcessBuilder builder =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-jar",
                  JAR.toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      builder.environment().put("KUBECONFIG", kubeconfig.toString());
      builder.environment().put("FLEETLM_HTTP_PORT", String.valueOf(port));
      builder.environment().putAll(env);
      OperatorProcess operator = new OperatorProcess(builder.start(), port);
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(250))
          .ignoreExceptionsInstanceOf(java.io.UncheckedIOException.class)
          .until(() -> operator.get(healthPath).statusCode() == 200);
      return operator;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + JAR, e);
    }
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
    try {
      return java.nio.file.Files.readAllLines(
              Path.of("/proc", String.valueOf(process.pid()), "status"))
          .stream()
          .filter(l -> l.startsWith("VmRSS:"))
          .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
          .findFirst()
          .orElse(-1);
    } catch (IOException e) {
      return -1;
    }
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
