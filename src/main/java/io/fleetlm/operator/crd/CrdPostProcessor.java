package io.fleetlm.operator.crd;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;

/**
 * What the CRD needs beyond what the model's annotations can say. Runs at build time, when Quarkus
 * generates the CRD (quarkus.operator-sdk.crd.post-processor).
 *
 * <ul>
 *   <li>status defaults to {observedGeneration: 0}: a release nobody has reconciled yet then reads
 *       as InProgress to kstatus (Flux, kpt), whose rule is observedGeneration != generation,
 *       instead of Current for want of a status;
 *   <li>resource quantities are validated as Kubernetes quantities at apply time (the same pattern
 *       Kubernetes' own CRD tooling emits), and bounded so their CEL rule stays cheap.
 * </ul>
 */
public class CrdPostProcessor implements CRDPostProcessor {

  /** Kubernetes' resource.Quantity grammar, as controller-gen writes it into CRDs. */
  static final String QUANTITY =
      "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?"
          + "(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

  @Override
  public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
    if (!(crd instanceof CustomResourceDefinition definition)) {
      return crd;
    }
    for (CustomResourceDefinitionVersion version : definition.getSpec().getVersions()) {
      JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
      JSONSchemaProps status = root.getProperties().get("status");
      status.setDefault(JsonNodeFactory.instance.objectNode().put("observedGeneration", 0));
      JSONSchemaProps resources = root.getProperties().get("spec").getProperties().get("resources");
      for (String amounts : new String[] {"limits", "requests"}) {
        JSONSchemaProps map = resources.getProperties().get(amounts);
        map.setMaxProperties(16L);
        JSONSchemaProps quantity = map.getAdditionalProperties().getSchema();
        quantity.setPattern(QUANTITY);
        quantity.setMaxLength(64L);
      }
    }
    return crd;
  }
}
