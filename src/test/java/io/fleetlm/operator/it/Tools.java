package io.fleetlm.operator.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the command-line tools built by hack/tools/build.sh (helm, kubectl) from a test. */
public final class Tools {

  private Tools() {}

  public record Result(int exitCode, String output) {}

  public static Result run(Map<String, String> env, String... command) {
    List<String> argv = new ArrayList<>(List.of(command));
    argv.set(0, locate(command[0]));
    try {
      Path log = Files.createTempFile("tool", ".log");
      ProcessBuilder builder =
          new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().putAll(env);
      Process process = builder.start();
      if (!process.waitFor(3, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", argv) + " did not finish in 3 minutes");
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      Files.delete(log);
      return new Result(process.exitValue(), output);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + argv, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** FLEETLM_TOOLS_BIN (set by hack/test.sh) first, then the PATH. */
  static String locate(String tool) {
    String bin = System.getenv("FLEETLM_TOOLS_BIN");
    if (bin != null && Files.isExecutable(Path.of(bin, tool))) {
      return Path.of(bin, tool).toString();
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return Path.of(dir, tool).toString();
      }
    }
    throw new IllegalStateException(
        tool + " not found: run the tests with 'make test', or put " + tool + " on the PATH");
  }
}
