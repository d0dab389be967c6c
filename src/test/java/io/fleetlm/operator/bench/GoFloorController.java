package io.fleetlm.operator.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The true floor: a minimal client-go controller (hack/bench/floor, built by hack/bench.sh with the
 * project's Go toolchain) that reacts to the same Jobs as {@link FloorController}, with a shared
 * informer and one Deployment create per completed Job, on a goroutine each. Started as a process
 * of its own, once its informer has synced.
 */
final class GoFloorController implements AutoCloseable {

  static final String PREFIX = "floor-go-";

  private final Process process;

  GoFloorController(Path binary, Path kubeconfig, String namespace, Path log) {
    try {
      process =
          new ProcessBuilder(
                  List.of(
                      binary.toString(),
                      "--kubeconfig",
                      kubeconfig.toString(),
                      "--namespace",
                      namespace,
                      "--prefix",
                      PREFIX))
              .redirectError(log.toFile())
              .start();
      CompletableFuture<Void> synced = new CompletableFuture<>();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader out =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = out.readLine()) != null; ) {
                    if (line.equals("floor: synced")) {
                      synced.complete(null);
                    }
                  }
                } catch (IOException e) {
                  synced.completeExceptionally(e);
                }
                synced.completeExceptionally(new IllegalStateException("floor exited; see " + log));
              },
              "go-floor-output");
      reader.setDaemon(true);
      reader.start();
      synced.get(60, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("the client-go floor did not start: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process.destroyForcibly();
  }
}
