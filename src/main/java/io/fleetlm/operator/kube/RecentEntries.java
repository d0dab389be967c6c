package io.fleetlm.operator.kube;

import java.util.LinkedHashMap;
import java.util.Map;

/** A map that forgets its least recently used entry beyond a size: memory of recent things. */
final class RecentEntries<K, V> extends LinkedHashMap<K, V> {

  private final int max;

  RecentEntries(int max) {
    super(64, 0.75f, true);
    this.max = max;
  }

  @Override
  protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
    return size() > max;
  }
}
