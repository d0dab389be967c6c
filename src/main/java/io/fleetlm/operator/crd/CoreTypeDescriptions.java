package io.fleetlm.operator.crd;

import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.Map;

/**
 * kubectl explain text for the fields of Kubernetes' own types that the spec embeds (env, envFrom,
 * tolerations, resources, imagePullSecrets): the generator copies their schema but not their
 * documentation. Paths are relative to spec; [] steps into a list's items.
 */
final class CoreTypeDescriptions {

  private static final Map<String, String> BY_PATH =
      Map.ofEntries(
          Map.entry("env[].name", "Name of the variable."),
          Map.entry(
              "env[].value",
              "Its value; $(OTHER) refers to a variable defined before it. Use valueFrom for a"
                  + " Secret."),
          Map.entry("env[].valueFrom", "Where the value comes from, instead of value."),
          Map.entry("env[].valueFrom.configMapKeyRef", "A key of a ConfigMap in the namespace."),
          Map.entry("env[].valueFrom.configMapKeyRef.key", "The key."),
          Map.entry("env[].valueFrom.configMapKeyRef.name", "Name of the ConfigMap."),
          Map.entry(
              "env[].valueFrom.configMapKeyRef.optional",
              "Whether the pod starts without the ConfigMap or the key."),
          Map.entry(
              "env[].valueFrom.fieldRef",
              "A field of the pod (metadata.name, metadata.namespace, status.podIP, ...)."),
          Map.entry("env[].valueFrom.fieldRef.apiVersion", "Version of fieldPath's schema (v1)."),
          Map.entry("env[].valueFrom.fieldRef.fieldPath", "Path of the field, e.g. status.podIP."),
          Map.entry(
              "env[].valueFrom.resourceFieldRef",
              "A resource limit or request of a container (limits.memory, requests.cpu, ...)."),
          Map.entry(
              "env[].valueFrom.resourceFieldRef.containerName",
              "The container; the one that reads the variable if empty."),
          Map.entry(
              "env[].valueFrom.resourceFieldRef.divisor",
              "Unit of the value, e.g. 1Mi; 1 if empty."),
          Map.entry(
              "env[].valueFrom.resourceFieldRef.resource", "The resource, e.g. limits.memory."),
          Map.entry("env[].valueFrom.secretKeyRef", "A key of a Secret in the namespace."),
          Map.entry("env[].valueFrom.secretKeyRef.key", "The key."),
          Map.entry("env[].valueFrom.secretKeyRef.name", "Name of the Secret."),
          Map.entry(
              "env[].valueFrom.secretKeyRef.optional",
              "Whether the pod starts without the Secret or the key."),
          Map.entry("envFrom[].configMapRef", "A ConfigMap whose every key becomes a variable."),
          Map.entry("envFrom[].configMapRef.name", "Name of the ConfigMap."),
          Map.entry(
              "envFrom[].configMapRef.optional", "Whether the pod starts without the ConfigMap."),
          Map.entry("envFrom[].prefix", "Put before the name of every variable from this source."),
          Map.entry("envFrom[].secretRef", "A Secret whose every key becomes a variable."),
          Map.entry("envFrom[].secretRef.name", "Name of the Secret."),
          Map.entry("envFrom[].secretRef.optional", "Whether the pod starts without the Secret."),
          Map.entry(
              "imagePullSecrets[].name",
              "Name of a docker-registry Secret in the namespace that pulls the image."),
          Map.entry(
              "resources.claims",
              "Dynamic resource claims of the pod the containers use (DynamicResourceAllocation)."),
          Map.entry("resources.claims[].name", "Name of a claim in the pod's resourceClaims."),
          Map.entry("resources.claims[].request", "One request of that claim; all if empty."),
          Map.entry(
              "resources.limits",
              "The most of each resource a container may use, e.g. memory: 512Mi (Kubernetes"
                  + " quantities)."),
          Map.entry(
              "resources.requests",
              "What the scheduler reserves for each container, e.g. cpu: 100m; the limit if"
                  + " unset."),
          Map.entry(
              "tolerations[].effect",
              "Taint effect it matches: NoSchedule, PreferNoSchedule or NoExecute; all if empty."),
          Map.entry("tolerations[].key", "Taint key it matches; every key (with Exists) if empty."),
          Map.entry(
              "tolerations[].operator",
              "Exists (any value) or Equal (the value below); Equal if empty."),
          Map.entry(
              "tolerations[].tolerationSeconds",
              "For NoExecute: how long the pod stays on a node after the taint appears."),
          Map.entry("tolerations[].value", "Taint value it matches, with Equal."));

  private CoreTypeDescriptions() {}

  /** Sets the description of every listed field that the generator left without one. */
  static void applyTo(JSONSchemaProps spec) {
    BY_PATH.forEach(
        (path, description) -> {
          JSONSchemaProps node = spec;
          for (String step : path.split("\\.")) {
            boolean list = step.endsWith("[]");
            node = node.getProperties().get(list ? step.substring(0, step.length() - 2) : step);
            if (node == null) {
              throw new IllegalStateException("the CRD has no spec." + path);
            }
            if (list) {
              node = node.getItems().getSchema();
            }
          }
          if (node.getDescription() == null) {
            node.setDescription(description);
          }
        });
  }
}
