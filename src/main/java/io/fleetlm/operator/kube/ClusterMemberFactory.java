package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fleetlm.operator.api.FleetlmRelease;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the pod of one FleetLM node that the operator starts itself (issue 33), as a pure function
 * of the release, the verified image and the node's place in the cluster. Its Erlang node is named
 * with a serial ({@link ClusterWiring#memberNodeName}) so that it sorts above every node started
 * before it, and it finds its peers through CLUSTER_NODES.
 */
public final class ClusterMemberFactory {

  /** The node's serial: the number in its node name and in the pod's. */
  public static final String LABEL_SERIAL = "fleetlm.io/member-serial";

  /**
   * What the node runs, as a hash of the app pod the release asks for, whatever the serial: a pod
   * whose revision differs runs an older release or older settings, and a roll replaces it.
   */
  public static final String LABEL_REVISION = "fleetlm.io/member-revision";

  private ClusterMemberFactory() {}

  /**
   * @param peers the Erlang names of the nodes running now, oldest first
   */
  public static Pod build(
      FleetlmRelease release,
      String verifiedImage,
      String verifiedMigrationId,
      int serial,
      List<String> peers) {
    PodTemplateSpec template =
        AppDeploymentFactory.podTemplate(
            release,
            verifiedImage,
            verifiedMigrationId,
            ClusterWiring.memberEnvironment(release, serial, peers));
    Map<String, String> labels = new HashMap<>(template.getMetadata().getLabels());
    labels.put(LABEL_SERIAL, Integer.toString(serial));
    labels.put(LABEL_REVISION, revision(release, verifiedImage, verifiedMigrationId));
    return new PodBuilder()
        .withNewMetadata()
        .withName(podName(release, serial))
        .withNamespace(release.getMetadata().getNamespace())
        .withLabels(labels)
        .withAnnotations(template.getMetadata().getAnnotations())
        .withOwnerReferences(OwnerReferences.controlledBy(release))
        .endMetadata()
        .withSpec(
            new PodSpecBuilder(template.getSpec())
                // A node that ended is replaced under a new name, never restarted under its own
                // (MemberRoll).
                .withRestartPolicy("Never")
                .build())
        .build();
  }

  /**
   * The revision a node of the release runs now should carry: the app pod without what differs from
   * node to node (its name, its peers).
   */
  public static String revision(
      FleetlmRelease release, String verifiedImage, String verifiedMigrationId) {
    PodTemplateSpec common =
        AppDeploymentFactory.podTemplate(
            release,
            verifiedImage,
            verifiedMigrationId,
            ClusterWiring.memberEnvironment(release, 0, List.of()));
    return ResourceNames.shortHash(Serialization.asJson(common), 10);
  }

  /** {@code <release>-<serial>}, the serial zero-padded as in the node's name. */
  public static String podName(FleetlmRelease release, int serial) {
    return ResourceNames.fit(release.getMetadata().getName(), String.format("-%05d", serial), 253);
  }

  /** The serial a pod of the operator's nodes carries, or empty for any other pod. */
  public static Optional<Integer> serialOf(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    String serial = labels == null ? null : labels.get(LABEL_SERIAL);
    if (serial == null || !serial.matches("[0-9]{1,9}")) {
      return Optional.empty();
    }
    return Optional.of(Integer.parseInt(serial));
  }
}
