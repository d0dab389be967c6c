package io.fleetlm.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRuleBuilder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The API server's own checks of the enum-like fields of Kubernetes' types that the spec embeds,
 * written into the CRD so that a release the operator could not turn into a pod is refused at
 * {@code kubectl apply}, not later by the Deployment or the Job the operator writes. The generator
 * copies those types' shape only: without these, {@code operator: Sometimes} in a toleration is
 * accepted and the release then stalls. The rules are Kubernetes' (pkg/apis/core/validation:
 * validateTolerations, validateEnvVarValueFrom); CrdValidationIT checks each against a pod the API
 * server validates itself.
 */
final class CoreTypeValidations {

  /** A DNS subdomain prefix and a name, as a label or taint key (IsQualifiedName). */
  static final String QUALIFIED_NAME =
      "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
          + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";

  /** A label value (IsValidLabelValue): empty, or up to 63 of these characters. */
  static final String LABEL_VALUE = "^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$";

  /** A container resource an env variable may read (validContainerResourceFieldPathPrefixes). */
  static final String CONTAINER_RESOURCE =
      "^(limits|requests)\\.(cpu|memory|ephemeral-storage|hugepages-[-A-Za-z0-9.]+)$";

  /** A pod field an env variable may read (validEnvDownwardAPIFieldPathExpressions). */
  static final String POD_FIELD =
      "^(metadata\\.(name|namespace|uid)|spec\\.(nodeName|serviceAccountName)"
          + "|status\\.(hostIP|hostIPs|podIP|podIPs)"
          + "|metadata\\.(labels|annotations)\\['[^']+'\\])$";

  /** Enough for any real pod; bounds the cost of the per-item rules. */
  static final long MAX_TOLERATIONS = 64;

  private CoreTypeValidations() {}

  static void applyTo(JSONSchemaProps spec) {
    tolerations(spec.getProperties().get("tolerations"));
    Map<String, JSONSchemaProps> valueFrom =
        spec.getProperties()
            .get("env")
            .getItems()
            .getSchema()
            .getProperties()
            .get("valueFrom")
            .getProperties();
    JSONSchemaProps resource = valueFrom.get("resourceFieldRef").getProperties().get("resource");
    resource.setPattern(CONTAINER_RESOURCE);
    resource.setMaxLength(128L);
    JSONSchemaProps fieldPath = valueFrom.get("fieldRef").getProperties().get("fieldPath");
    fieldPath.setPattern(POD_FIELD);
    fieldPath.setMaxLength(400L);
  }

  private static void tolerations(JSONSchemaProps list) {
    list.setMaxItems(MAX_TOLERATIONS);
    JSONSchemaProps item = list.getItems().getSchema();
    var fields = item.getProperties();
    fields.get("operator").setEnum(strings("", "Equal", "Exists"));
    fields.get("effect").setEnum(strings("", "NoSchedule", "PreferNoSchedule", "NoExecute"));
    JSONSchemaProps key = fields.get("key");
    key.setPattern("^$|" + QUALIFIED_NAME);
    key.setMaxLength(317L);
    JSONSchemaProps value = fields.get("value");
    value.setPattern(LABEL_VALUE);
    value.setMaxLength(63L);
    item.setXKubernetesValidations(
        List.of(
            rule(
                "(has(self.key) && self.key != '') || (has(self.operator) && self.operator =="
                    + " 'Exists')",
                "operator must be Exists when key is empty (a toleration of every taint)"),
            rule(
                "!has(self.operator) || self.operator != 'Exists' || !has(self.value) ||"
                    + " self.value == ''",
                "value must be empty when operator is Exists"),
            rule(
                "!has(self.tolerationSeconds) || (has(self.effect) && self.effect == 'NoExecute')",
                "effect must be NoExecute when tolerationSeconds is set")));
  }

  private static ValidationRule rule(String rule, String message) {
    return new ValidationRuleBuilder().withRule(rule).withMessage(message).build();
  }

  private static List<JsonNode> strings(String... values) {
    return Arrays.stream(values).map(v -> (JsonNode) JsonNodeFactory.instance.textNode(v)).toList();
  }
}
