package io.fleetlm.operator.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The Argo CD health check against status fixtures, in a Lua interpreter. */
class ArgoCdHealthCheckTest {

  private static final Path SCRIPT = ArgoCdHealth.SCRIPT;
  private static final Path FIXTURES = Path.of("src", "test", "resources", "argocd");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static Stream<Path> fixtures() throws IOException {
    return Files.list(FIXTURES).filter(p -> p.toString().endsWith(".yaml")).sorted();
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void reportsTheExpectedHealth(Path fixture) throws IOException {
    JsonNode document = YAML.readTree(fixture.toFile());
    ArgoCdHealth.Health health = ArgoCdHealth.of(document.get("object"));

    assertThat(health.status())
        .as(fixture.getFileName().toString())
        .isEqualTo(document.get("expected").get("status").asText());
    assertThat(health.message()).contains(document.get("expected").get("message").asText());
  }

  @Test
  void everyArgoCdHealthStatusTheScriptCanReturnIsCovered() throws IOException {
    assertThat(fixtures().map(this::statusOf))
        .contains("Healthy", "Progressing", "Degraded", "Suspended");
  }

  @Test
  void configMapPatchCarriesTheSameScript() throws IOException {
    JsonNode patch = YAML.readTree(SCRIPT.resolveSibling("argocd-cm-health-patch.yaml").toFile());
    String embedded =
        patch.get("data").get("resource.customizations.health.fleetlm.io_FleetlmRelease").asText();
    assertThat(embedded).isEqualTo(Files.readString(SCRIPT));
  }

  private String statusOf(Path fixture) {
    try {
      return YAML.readTree(fixture.toFile()).get("expected").get("status").asText();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
