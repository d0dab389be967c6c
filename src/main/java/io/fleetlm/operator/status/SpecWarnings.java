package io.fleetlm.operator.status;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseSpec;
import io.fleetlm.operator.kube.AppDeploymentFactory;
import io.fleetlm.operator.kube.ClusterWiring;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the operator overrides or ignores in a spec, said in status.warnings. */
final class SpecWarnings {

  private SpecWarnings() {}

  static List<String> of(FleetlmRelease release) {
    FleetlmReleaseSpec spec = release.getSpec();
    List<String> warnings = new ArrayList<>();
    List<EnvVar> userEnv = Objects.requireNonNullElse(spec.getEnv(), List.of());
    for (EnvVar env : userEnv) {
      if ("MIGRATE_ON_BOOT".equals(env.getName()) && !"false".equals(env.getValue())) {
        warnings.add(
            "spec.env sets MIGRATE_ON_BOOT; the operator sets it to \"false\" on every pod"
                + " because it runs migrations itself, before the rollout");
      }
    }
    boolean hostInEnv =
        userEnv.stream().anyMatch(e -> AppDeploymentFactory.PUBLIC_HOST.equals(e.getName()));
    if (spec.getPublicHost() == null && !hostInEnv) {
      warnings.add(
          "spec.publicHost is not set: FleetLM's endpoint host is then example.com, and Phoenix"
              + " refuses every browser WebSocket whose Origin is another host (403). Set"
              + " spec.publicHost to the host name browsers use");
    }
    warnings.addAll(ClusterWiring.warnings(release));
    return List.copyOf(warnings);
  }
}
