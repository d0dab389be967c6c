package io.fleetlm.operator.kube;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Where a live object departs from the operator's intent. Only the fields the operator sets are
 * compared: the server's defaults and fields other managers own are not drift. Lists must keep the
 * operator's entries in place; entries others appended after them are left alone, as server-side
 * apply leaves them.
 */
public final class DesiredStateDiff {

  private static final int MAX_VALUE = 60;

  private DesiredStateDiff() {}

  /** Paths (with the live and the wanted value where they are short) that differ. */
  public static List<String> between(Object desired, Object live) {
    List<String> differences = new ArrayList<>();
    compare(
        "",
        Serialization.jsonMapper().valueToTree(desired),
        Serialization.jsonMapper().valueToTree(live),
        differences);
    return differences;
  }

  private static void compare(String path, JsonNode want, JsonNode have, List<String> out) {
    if (want == null || want.isNull()) {
      return;
    }
    if (have == null || have.isNull() || have.isMissingNode()) {
      out.add(path + " is missing");
      return;
    }
    if (want.isObject()) {
      if (!have.isObject()) {
        out.add(path + " changed");
        return;
      }
      Iterator<Map.Entry<String, JsonNode>> fields = want.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        compare(join(path, field.getKey()), field.getValue(), have.get(field.getKey()), out);
      }
      return;
    }
    if (want.isArray()) {
      if (!have.isArray() || have.size() < want.size()) {
        out.add(path + " changed");
        return;
      }
      for (int i = 0; i < want.size(); i++) {
        compare(path + "[" + entryName(want.get(i), i) + "]", want.get(i), have.get(i), out);
      }
      return;
    }
    if (!sameScalar(want, have)) {
      out.add(path + ": " + shown(have) + ", want " + shown(want));
    }
  }

  /** Quantities compare by amount: the server writes 0.5 back as 500m. */
  private static boolean sameScalar(JsonNode want, JsonNode have) {
    if (want.equals(have) || want.asText().equals(have.asText())) {
      return true;
    }
    try {
      return Quantity.getAmountInBytes(new Quantity(want.asText()))
              .compareTo(Quantity.getAmountInBytes(new Quantity(have.asText())))
          == 0;
    } catch (IllegalArgumentException | ArithmeticException e) {
      return false;
    }
  }

  /** Containers and env vars are named by name, not by index. */
  private static String entryName(JsonNode entry, int index) {
    return entry.isObject() && entry.hasNonNull("name") ? entry.get("name").asText() : "" + index;
  }

  private static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  private static String shown(JsonNode value) {
    String text = value.isTextual() ? value.asText() : value.toString();
    return text.length() <= MAX_VALUE ? text : text.substring(0, MAX_VALUE) + "…";
  }
}
