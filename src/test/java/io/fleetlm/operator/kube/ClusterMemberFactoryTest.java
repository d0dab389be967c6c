package io.fleetlm.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fleetlm.operator.api.FleetlmRelease;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ClusterMemberFactoryTest {

  private static final List<String> PEERS =
      List.of("fleetlm_00002@10.0.0.7", "fleetlm_00003@10.0.0.9");

  private final FleetlmRelease release = ReleaseFixture.release("chat", "fleetlm:1");

  @Test
  void theNodeIsNamedWithItsSerialAndFindsTheRunningNodesThroughClusterNodes() {
    Pod pod = ClusterMemberFactory.build(release, "fleetlm:2", "m2", 4, PEERS);

    List<EnvVar> env = pod.getSpec().getContainers().get(0).getEnv();
    Map<String, EnvVar> byName = env.stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    assertThat(byName.get("RELEASE_NODE").getValue()).isEqualTo("fleetlm_00004@$(POD_IP)");
    assertThat(byName.get("CLUSTER_NODES").getValue())
        .as("the running nodes, then itself: FleetLM waits for as many nodes as it lists")
        .isEqualTo("fleetlm_00002@10.0.0.7,fleetlm_00003@10.0.0.9,fleetlm_00004@$(POD_IP)");
    assertThat(byName)
        .as("DNSPoll would look for fleetlm@<ip>, which no node is called")
        .doesNotContainKeys("DNS_CLUSTER_QUERY", "DNS_CLUSTER_NODE_BASENAME");
    assertThat(byName.get("MIGRATE_ON_BOOT").getValue()).isEqualTo("false");
    assertThat(env.stream().map(EnvVar::getName).toList())
        .as("POD_IP defined before the variables that refer to it")
        .containsSubsequence("POD_IP", "CLUSTER_NODES", "RELEASE_NODE");
    assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo("fleetlm:2");
  }

  @Test
  void thePodCarriesItsSerialTheReleaseIdentityAndTheReleaseAsController() {
    Pod pod = ClusterMemberFactory.build(release, "fleetlm:2", "m2", 4, PEERS);

    assertThat(pod.getMetadata().getName()).isEqualTo("chat-00004");
    assertThat(ClusterMemberFactory.serialOf(pod)).hasValue(4);
    assertThat(pod.getMetadata().getLabels())
        .as("the Services and the disruption budget select it as they select the Deployment's")
        .containsAllEntriesOf(ResourceNames.selectorLabels(release, ResourceNames.COMPONENT_APP))
        .containsEntry(ResourceNames.LABEL_MIGRATION_ID, SchemaRepair.podIdentity("m2"));
    assertThat(pod.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(owner -> assertThat(owner.getController()).isTrue());
    assertThat(pod.getSpec().getRestartPolicy())
        .as("a node that ended is replaced under a new name, never restarted under its own")
        .isEqualTo("Never");
  }

  @Test
  void theRevisionIsTheSameForEveryNodeOfAReleaseAndChangesWithTheRelease() {
    String revision = ClusterMemberFactory.revision(release, "fleetlm:2", "m2");

    assertThat(ClusterMemberFactory.build(release, "fleetlm:2", "m2", 4, PEERS))
        .extracting(p -> p.getMetadata().getLabels().get(ClusterMemberFactory.LABEL_REVISION))
        .isEqualTo(revision);
    assertThat(ClusterMemberFactory.build(release, "fleetlm:2", "m2", 9, List.of()))
        .extracting(p -> p.getMetadata().getLabels().get(ClusterMemberFactory.LABEL_REVISION))
        .isEqualTo(revision);
    assertThat(ClusterMemberFactory.revision(release, "fleetlm:3", "m3")).isNotEqualTo(revision);
    release.getSpec().setEnv(List.of(new EnvVar("POOL_SIZE", "20", null)));
    assertThat(ClusterMemberFactory.revision(release, "fleetlm:2", "m2"))
        .as("a changed setting is a new revision too")
        .isNotEqualTo(revision);
  }

  @Test
  void aPodOfAnotherKindHasNoSerial() {
    Pod pod = ClusterMemberFactory.build(release, "fleetlm:2", "m2", 4, PEERS);
    pod.getMetadata().getLabels().remove(ClusterMemberFactory.LABEL_SERIAL);

    assertThat(ClusterMemberFactory.serialOf(pod)).isEmpty();
  }
}
