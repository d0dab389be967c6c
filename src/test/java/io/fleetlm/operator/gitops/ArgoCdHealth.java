package io.fleetlm.operator.gitops;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/** Argo CD's view of a release: our health check script, run in a Lua interpreter. */
public final class ArgoCdHealth {

  static final Path SCRIPT = Path.of("examples", "argocd", "fleetlmrelease-health.lua");

  /** What Argo CD shows: Healthy, Progressing, Degraded or Suspended, and a message. */
  public record Health(String status, String message) {}

  private ArgoCdHealth() {}

  public static Health of(JsonNode object) {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", toLua(object));
    try {
      LuaValue health = globals.load(Files.readString(SCRIPT), "health.lua").call();
      return new Health(health.get("status").tojstring(), health.get("message").tojstring());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
