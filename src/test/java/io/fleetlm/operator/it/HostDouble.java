package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The FleetLM test double (hack/images/fleetlm) laid out on the test machine as its image lays it
 * out (bin/, lib/&lt;release&gt;-0.1.0/ebin and priv/repo/migrations, releases/COOKIE), compiled by
 * the same Debian Elixir the images use (hack/tools/elixir.sh). Runs {@code bin/fleetlm eval} the
 * way a migration container does, against a real PostgreSQL, with no cluster.
 */
public final class HostDouble {

  private static String elixirBin;
  private static final Map<String, HostDouble> BUILT = new HashMap<>();
  private static Path builds;

  private final Path releaseRoot;
  private final String release;

  private HostDouble(Path releaseRoot, String release) {
    this.releaseRoot = releaseRoot;
    this.release = release;
  }

  /**
   * The double's image of this tag (1, 2, broken, slow, fastpaca), assembled once per test run in a
   * temporary directory removed when the JVM ends.
   */
  public static synchronized HostDouble image(String tag) {
    if (builds == null) {
      try {
        builds = Files.createTempDirectory("fleetlm-double");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(builds)));
    }
    return BUILT.computeIfAbsent(tag, t -> build(t, builds.resolve(t)));
  }

  private static HostDouble build(String tag, Path dir) {
    Path context = dir.resolve("context");
    Tools.Result made =
        Tools.run(Map.of(), "hack/images/fleetlm/context.sh", tag, context.toString());
    assertThat(made.exitCode()).as(made.output()).isZero();
    String release = made.output().strip().lines().reduce((a, b) -> b).orElseThrow();
    Path root = dir.resolve(release);
    Path app = root.resolve("lib").resolve(release + "-0.1.0");
    try {
      Files.createDirectories(app.resolve("ebin"));
      Files.createDirectories(root.resolve("bin"));
      Files.createDirectories(root.resolve("releases"));
      List<String> compile =
          Stream.concat(
                  Stream.of(
                      elixirBin() + "/elixirc",
                      "--warnings-as-errors",
                      "-o",
                      app.resolve("ebin").toString()),
                  list(context.resolve("lib")).stream().map(Path::toString))
              .toList();
      Tools.Result compiled = Tools.run(Map.of(), compile.toArray(String[]::new));
      assertThat(compiled.exitCode()).as(compiled.output()).isZero();
      copy(context.resolve(release + ".app"), app.resolve("ebin").resolve(release + ".app"));
      Files.createDirectories(app.resolve("priv/repo"));
      copyTree(context.resolve("migrations"), app.resolve("priv/repo/migrations"));
      copy(context.resolve("release.sh"), root.resolve("bin").resolve(release));
      copy(context.resolve("COOKIE"), root.resolve("releases/COOKIE"));
      return new HostDouble(root, release);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code bin/<release> eval EXPRESSION} with these variables only, as a container has no others
   * (plus Elixir and psql on the PATH).
   */
  public Tools.Result eval(String expression, Map<String, String> env) {
    Map<String, String> all = new HashMap<>(env);
    all.put("PATH", elixirBin() + ":/usr/local/bin:/usr/bin:/bin");
    all.putIfAbsent("HOSTNAME", "host-double");
    all.putIfAbsent("LANG", "C.UTF-8");
    return Tools.runIsolated(
        all, root().resolve("bin").resolve(release).toString(), "eval", expression);
  }

  public Path root() {
    return releaseRoot;
  }

  private static synchronized String elixirBin() {
    if (elixirBin == null) {
      Tools.Result found = Tools.run(Map.of(), "hack/tools/elixir.sh");
      assertThat(found.exitCode()).as(found.output()).isZero();
      elixirBin = found.output().strip().lines().reduce((a, b) -> b).orElseThrow().strip();
    }
    return elixirBin;
  }

  private static void delete(Path tree) {
    try (Stream<Path> files = Files.walk(tree)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // A temporary directory left behind is no failure of the tests.
    }
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    for (Path file : list(from)) {
      copy(file, to.resolve(file.getFileName().toString()));
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
  }
}
