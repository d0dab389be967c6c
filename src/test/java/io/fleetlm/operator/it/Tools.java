package io.fleetlm.operator.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the command-line tools built by hack/tools/build.sh (helm, kubectl, kstatus) from a test.
 */
public final class Tools {

  private Tools() {}

  public record Result(int exitCode, String output) {}

  public static Result run(Map<String, String> env, String... command) {
    return runWithInput(env, "", command);
  }

  /** Runs the command with these variables only (and HOME), none of this process's. */
  public static Result runIsolated(Map<String, String> env, String... command) {
    return start(env, true, "", command);
  }

  /** Runs the command with the given text on its standard input. */
  public static Result runWithInput(Map<String, String> env, String input, String... command) {
    return start(env, false, input, command);
  }

  private static Result start(
      Map<String, String> env, boolean isolated, String input, String... command) {
    List<String> argv = new ArrayList<>(List.of(command));
    argv.set(0, locate(command[0]));
    try {
      Path log = Files.createTempFile("tool", ".log");
      ProcessBuilder builder =
          new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile());
      if (isolated) {
        builder.environment().clear();
        builder.environment().put("HOME", System.getProperty("user.home"));
      }
      builder.environment().putAll(env);
      Process process = builder.start();
      try (var stdin = process.getOutputStream()) {
        stdin.write(input.getBytes(StandardCharsets.UTF_8));
      }
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

  private static String toolsBin;

  /** The per-machine tool cache (FLEETLM_TOOLS_BIN from hack/test.sh, or asked of build.sh). */
  private static synchronized String toolsBin() throws IOException, InterruptedException {
    if (toolsBin == null) {
      toolsBin = System.getenv("FLEETLM_TOOLS_BIN");
    }
    if (toolsBin == null) {
      Process build =
          new ProcessBuilder("bash", "hack/tools/build.sh")
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      String out = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (build.waitFor() != 0) {
        throw new IllegalStateException("hack/tools/build.sh failed");
      }
      toolsBin = out.substring(out.lastIndexOf('\n') + 1);
    }
    return toolsBin;
  }

  /** System tools (bash, java) from the PATH; helm, kubectl and kstatus from the tool cache. */
  static String locate(String tool) {
    if (tool.contains("/")) {
      return tool;
    }
    if (tool.equals("helm") || tool.equals("kubectl") || tool.equals("kstatus")) {
      try {
        return Path.of(toolsBin(), tool).toString();
      } catch (IOException e) {
        throw new IllegalStateException("cannot run hack/tools/build.sh", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
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
