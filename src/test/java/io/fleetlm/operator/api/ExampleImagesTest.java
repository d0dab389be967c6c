package io.fleetlm.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What a user copies names an image FleetLM publishes: its workflow
 * (.github/workflows/docker-build.yml@f402d43) tags ghcr.io/cpluss/fleetlm with the branch, {@code
 * main-<short sha>} and {@code latest}, and never with a version, so {@code :0.5.0} would fail to
 * pull on a real cluster.
 */
class ExampleImagesTest {

  private static final Pattern FLEETLM_IMAGE =
      Pattern.compile("ghcr\\.io/cpluss/fleetlm[:@][^\\s\"'`)\\]},<>]*");

  /** The shapes FleetLM's registry has: a main-branch commit, latest, or a digest. */
  private static final Pattern PUBLISHED =
      Pattern.compile("ghcr\\.io/cpluss/fleetlm(:main-[0-9a-f]{7}|:latest|@sha256:[0-9a-f]{64})");

  @Test
  void everyFleetlmImageInTheExamplesTheDemoAndTheReadmeIsOfAPublishedShape() throws IOException {
    List<String> found = new ArrayList<>();
    for (Path file : userFacingFiles()) {
      String text = Files.readString(file);
      Matcher image = FLEETLM_IMAGE.matcher(text);
      while (image.find()) {
        boolean placeholder = image.end() < text.length() && text.charAt(image.end()) == '<';
        if (!placeholder) {
          found.add(file + ": " + image.group());
        }
      }
    }

    assertThat(found).as("the examples name FleetLM images").isNotEmpty();
    assertThat(found)
        .allSatisfy(
            ref ->
                assertThat(ref.substring(ref.indexOf(": ") + 2))
                    .as(ref)
                    .matches(PUBLISHED)
                    .matches(Pattern.compile(ImageReference.PATTERN)));
  }

  private static List<Path> userFacingFiles() throws IOException {
    List<Path> files = new ArrayList<>(List.of(Path.of("README.md"), Path.of("hack", "demo.sh")));
    try (Stream<Path> examples = Files.walk(Path.of("examples"))) {
      examples.filter(f -> f.toString().endsWith(".yaml")).sorted().forEach(files::add);
    }
    return files;
  }
}
