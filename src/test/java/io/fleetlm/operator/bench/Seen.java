package io.fleetlm.operator.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.function.Consumer;

/** Informer handlers for the bench's watchers, which only care about each state they see. */
final class Seen {

  private Seen() {}

  /** Hands every added or updated object to the consumer; deletions are of no interest. */
  static <T extends HasMetadata> ResourceEventHandler<T> onEveryState(Consumer<T> seen) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T object) {
        seen.accept(object);
      }

      @Override
      public void onUpdate(T before, T object) {
        seen.accept(object);
      }

      @Override
      public void onDelete(T object, boolean unknown) {}
    };
  }
}
