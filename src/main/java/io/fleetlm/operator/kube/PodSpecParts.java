package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fleetlm.operator.api.FleetlmReleaseSpec;
import io.fleetlm.operator.api.PodSecuritySpec;
import io.fleetlm.operator.api.SecretKeyReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Pod and container settings that the migration Job and the app Deployment share. */
final class PodSpecParts {

  static final String MIGRATE_ON_BOOT = "MIGRATE_ON_BOOT";
  static final String DATABASE_URL = "DATABASE_URL";
  static final String SECRET_KEY_BASE = "SECRET_KEY_BASE";

  private PodSpecParts() {}

  /**
   * The operator's variables come last so they win over the user's: Kubernetes keeps the last
   * definition of a duplicated name, and env always beats envFrom.
   */
  static List<EnvVar> environment(FleetlmReleaseSpec spec) {
    List<EnvVar> env = new ArrayList<>();
    for (EnvVar userVar : Objects.requireNonNullElse(spec.getEnv(), List.<EnvVar>of())) {
      if (!MIGRATE_ON_BOOT.equals(userVar.getName())) {
        env.add(userVar);
      }
    }
    env.add(new EnvVarBuilder().withName("PORT").withValue(String.valueOf(port(spec))).build());
    env.add(secretVar(DATABASE_URL, spec.getDatabase().getUrlSecretRef()));
    env.add(secretVar(SECRET_KEY_BASE, spec.getDatabase().getSecretKeyBaseSecretRef()));
    env.add(new EnvVarBuilder().withName(MIGRATE_ON_BOOT).withValue("false").build());
    return env;
  }

  static int port(FleetlmReleaseSpec spec) {
    return Objects.requireNonNullElse(spec.getPort(), 4000);
  }

  /** Scheduling, identity and security settings of every pod the operator creates. */
  static PodSpecBuilder podSpec(FleetlmReleaseSpec spec, Container container) {
    return new PodSpecBuilder()
        .withServiceAccountName(spec.getServiceAccountName())
        .withNodeSelector(spec.getNodeSelector())
        .withTolerations(spec.getTolerations())
        .withImagePullSecrets(spec.getImagePullSecrets())
        .withSecurityContext(podSecurityContext(spec.getSecurityContext()))
        .withContainers(container);
  }

  static Map<String, String> podLabels(FleetlmReleaseSpec spec, Map<String, String> ownLabels) {
    Map<String, String> labels =
        new LinkedHashMap<>(Objects.requireNonNullElse(spec.getPodLabels(), Map.of()));
    labels.putAll(ownLabels);
    return labels;
  }

  static Map<String, String> podAnnotations(FleetlmReleaseSpec spec) {
    return new LinkedHashMap<>(Objects.requireNonNullElse(spec.getPodAnnotations(), Map.of()));
  }

  /** Meets the "restricted" Pod Security Standard; read-only root filesystem unless told not. */
  static SecurityContext containerSecurityContext(FleetlmReleaseSpec spec) {
    PodSecuritySpec chosen = spec.getSecurityContext();
    boolean readOnly = chosen == null || !Boolean.FALSE.equals(chosen.getReadOnlyRootFilesystem());
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(readOnly)
        .withRunAsNonRoot(true)
        .withCapabilities(new Capabilities(null, List.of("ALL")))
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  /**
   * Numeric ids always: kubelet cannot check runAsNonRoot against an image whose USER is a name,
   * and refuses to start it.
   */
  private static PodSecurityContext podSecurityContext(PodSecuritySpec identity) {
    PodSecuritySpec ids = Objects.requireNonNullElseGet(identity, PodSecuritySpec::new);
    return new PodSecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(Objects.requireNonNullElse(ids.getRunAsUser(), PodSecuritySpec.FLEETLM_UID))
        .withRunAsGroup(
            Objects.requireNonNullElse(ids.getRunAsGroup(), PodSecuritySpec.FLEETLM_GID))
        .withFsGroup(Objects.requireNonNullElse(ids.getFsGroup(), PodSecuritySpec.FLEETLM_GID))
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  private static EnvVar secretVar(String name, SecretKeyReference ref) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewSecretKeyRef()
        .withName(ref.getName())
        .withKey(ref.getKey())
        .withOptional(false)
        .endSecretKeyRef()
        .endValueFrom()
        .build();
  }
}
