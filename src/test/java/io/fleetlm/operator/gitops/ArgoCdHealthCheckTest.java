package io.fleetlm.operator.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/** Runs the Argo CD health check in a Lua interpreter against status fixtures. */
class ArgoCdHealthCheckTest {

  private static final Path SCRIPT = Path.of("examples", "argocd", "fleetlmrelease-health.lua");
  private static final Path FIXTURES = Path.of("src", "test", "resources", "argocd");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static Stream<Path> fixtures() throws IOException {
    return Files.list(FIXTURES).filter(p -> p.toString().endsWith(".yaml")).sorted();
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void reportsTheExpectedHealth(Path fixture) throws IOException {
    JsonNode document = YAML.readTree(fixture.toFile());
    LuaValue health = run(document.get("object"));

    assertThat(health.get("status").tojstring())
        .as(fixture.getFileName().toString())
        .isEqualTo(document.get("expected").get("status").asText());
    assertThat(health.get("message").tojstring())
        .contains(document.get("expected").get("message").asText());
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

  private static LuaValue run(JsonNode object) throws IOException {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", toLua(object));
    return globals.load(Files.readString(SCRIPT), "health.lua").call();
  }

  private static LuaValue toLua(JsonNode node) {
    if (node == null || node.isNull()) {
      return LuaValue.NIL;
    }
    if (node.isObject()) {
      LuaTable table = new LuaTable();
      for (Map.Entry<String, JsonNode> field :
          (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
        table.set(field.getKey(), toLua(field.getValue()));
      }
      return table;
    }
    if (node.isArray()) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        table.set(i + 1, toLua(node.get(i)));
      }
      return table;
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.asBoolean());
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.asDouble());
    }
    return LuaValue.valueOf(node.asText());
  }
}
