package io.fleetlm.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.kube.ClusterObjects;
import io.fleetlm.operator.kube.ReleaseFixture;
import io.fleetlm.operator.kube.ResourceNames;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ReleaseEventSourcesTest {

  private final FleetlmRelease release = ReleaseFixture.release("chat", "ghcr.io/acme/fleetlm:1");

  @Test
  void aBudgetWhoseStatusAloneChangedWakesNoRelease() {
    PodDisruptionBudget before = budget(1L, 0);
    PodDisruptionBudget statusRewritten = budget(1L, 1);

    assertThat(ReleaseEventSources.specOrDeletionChanged(statusRewritten, before)).isFalse();
  }

  @Test
  void aBudgetWithANewSpecOrBeingDeletedWakesItsRelease() {
    PodDisruptionBudget before = budget(1L, 0);
    PodDisruptionBudget edited = budget(2L, 0);
    PodDisruptionBudget deleting = budget(1L, 0);
    deleting.getMetadata().setDeletionTimestamp("2026-12-08T00:00:00Z");

    assertThat(ReleaseEventSources.specOrDeletionChanged(edited, before)).isTrue();
    assertThat(ReleaseEventSources.specOrDeletionChanged(deleting, before)).isTrue();
  }

  @Test
  void onlyTheHeadlessServicesSlicesWakeTheRelease() {
    Map<String, Service> cached =
        Map.of(
            "chat", ClusterObjects.httpService(release),
            "chat-headless", headlessAsStored());

    assertThat(ReleaseEventSources.releaseOwning(lookup(cached), slice("chat-headless")))
        .containsExactly(new ResourceID("chat", "apps"));
    assertThat(ReleaseEventSources.releaseOwning(lookup(cached), slice("chat")))
        .as("the HTTP Service's slices are never read")
        .isEmpty();
  }

  @Test
  void aSliceWhoseServiceIsNotCachedYetWakesTheReleaseItsLabelNames() {
    assertThat(ReleaseEventSources.releaseOwning(lookup(Map.of()), slice("chat")))
        .containsExactly(new ResourceID("chat", "apps"));
  }

  private static Function<ResourceID, Optional<Service>> lookup(Map<String, Service> cached) {
    return id -> Optional.ofNullable(cached.get(id.getName()));
  }

  private Service headlessAsStored() {
    return ClusterObjects.headlessService(release);
  }

  private ObjectMeta slice(String service) {
    return new ObjectMetaBuilder()
        .withName(service + "-x7k2p")
        .withNamespace("apps")
        .withLabels(
            Map.of(ClusterSync.SERVICE_NAME_LABEL, service, ResourceNames.LABEL_RELEASE, "chat"))
        .build();
  }

  private static PodDisruptionBudget budget(long generation, int disruptionsAllowed) {
    return new PodDisruptionBudgetBuilder()
        .withNewMetadata()
        .withName("chat")
        .withNamespace("apps")
        .withGeneration(generation)
        .endMetadata()
        .withNewStatus()
        .withDisruptionsAllowed(disruptionsAllowed)
        .endStatus()
        .build();
  }
}
