package io.fleetlm.operator.crd;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.List;

/**
 * What the CRD needs beyond what the model's annotations can say. Runs at build time, when Quarkus
 * generates the CRD (quarkus.operator-sdk.crd.post-processor).
 *
 * <ul>
 *   <li>descriptions of the resource, its spec and its status for kubectl explain (and of the
 *       fields of Kubernetes' own types the spec embeds, {@link CoreTypeDescriptions}), and the
 *       columns of kubectl get in the order a person reads them;
 *   <li>status defaults to {observedGeneration: 0}: a release nobody has reconciled yet then reads
 *       as InProgress to kstatus (Flux, kpt), whose rule is observedGeneration != generation,
 *       instead of Current for want of a status;
 *   <li>the enum-like fields of Kubernetes' own types the spec embeds (tolerations, env sources)
 *       checked as the API server checks them in a pod ({@link CoreTypeValidations});
 *   <li>quantities (resources, the working directory's size limit) are validated as Kubernetes
 *       quantities at apply time (the same pattern Kubernetes' own CRD tooling emits), and bounded
 *       so their CEL rule stays cheap.
 * </ul>
 */
public class CrdPostProcessor implements CRDPostProcessor {

  /** Kubernetes' resource.Quantity grammar, as controller-gen writes it into CRDs. */
  static final String QUANTITY =
      "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?"
          + "(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

  static final String RELEASE =
      "A FleetLM release. The operator runs the release image's migration as a Job, verifies the"
          + " applied migrations in PostgreSQL's history table, and only then rolls the app"
          + " Deployment to that image, with MIGRATE_ON_BOOT=false on every pod. A failure stops"
          + " the rollout and the previous version keeps serving.";
  static final String SPEC =
      "What should run: the image, its replicas, where its database credentials are, how to run"
          + " and verify its migration, and the pod settings of the migration Job and the app.";
  static final String STATUS =
      "What the operator observed and did, for the generation in observedGeneration. Ready=True"
          + " means the verified target image runs at spec.replicas with MIGRATE_ON_BOOT=false;"
          + " Reconciling and Stalled follow kstatus. Written only by the operator.";

  private static final List<CustomResourceColumnDefinition> COLUMNS =
      List.of(
          column("Phase", ".status.phase", "string"),
          column("Target", ".status.targetImage", "string"),
          column("Current", ".status.currentImage", "string"),
          column("Ready", ".status.ready", "string"),
          column("Members", ".status.clusterMembers", "integer"),
          column("Schema", ".status.schemaVersion", "string"),
          column("Reason", ".status.conditions[?(@.type==\"Ready\")].reason", "string"),
          column("Age", ".metadata.creationTimestamp", "date"));

  private static CustomResourceColumnDefinition column(String name, String path, String type) {
    return new CustomResourceColumnDefinitionBuilder()
        .withName(name)
        .withJsonPath(path)
        .withType(type)
        .build();
  }

  @Override
  public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
    if (!(crd instanceof CustomResourceDefinition definition)) {
      return crd;
    }
    for (CustomResourceDefinitionVersion version : definition.getSpec().getVersions()) {
      version.setAdditionalPrinterColumns(COLUMNS);
      JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
      root.setDescription(RELEASE);
      root.getProperties().get("spec").setDescription(SPEC);
      JSONSchemaProps status = root.getProperties().get("status");
      status.setDescription(STATUS);
      status.setDefault(JsonNodeFactory.instance.objectNode().put("observedGeneration", 0));
      JSONSchemaProps spec = root.getProperties().get("spec");
      CoreTypeDescriptions.applyTo(spec);
      CoreTypeValidations.applyTo(spec);
      JSONSchemaProps sizeLimit =
          spec.getProperties().get("workingDirectory").getProperties().get("sizeLimit");
      sizeLimit.setPattern(QUANTITY);
      sizeLimit.setMaxLength(64L);
      JSONSchemaProps resources = spec.getProperties().get("resources");
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
