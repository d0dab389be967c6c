package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Secrets read lately, reused for a short time so that the reconciles of one release change (its
 * Job's start, its verification, its rollout) read each Secret about once. A Secret found missing
 * is not remembered: the release waits for it, and should see it as soon as it exists.
 */
final class SecretCache {

  private static final int MAX_ENTRIES = 2048;

  private final Clock clock;
  private final Duration ttl;
  private final Map<String, Entry> entries = new RecentEntries<>(MAX_ENTRIES);

  private record Entry(Secret secret, Instant readAt) {}

  SecretCache(Clock clock, Duration ttl) {
    this.clock = clock;
    this.ttl = ttl;
  }

  /** A Secret the operator has just written, as the API server returned it. */
  void remember(Secret secret) {
    String key = secret.getMetadata().getNamespace() + "/" + secret.getMetadata().getName();
    synchronized (entries) {
      entries.put(key, new Entry(TrimmedItemStore.trim(secret), clock.instant()));
    }
  }

  Optional<Secret> get(String namespace, String name, Supplier<Optional<Secret>> read) {
    String key = namespace + "/" + name;
    Instant now = clock.instant();
    synchronized (entries) {
      Entry entry = entries.get(key);
      if (entry != null && now.isBefore(entry.readAt().plus(ttl))) {
        return Optional.of(entry.secret());
      }
      entries.remove(key);
    }
    Optional<Secret> secret = read.get();
    secret.ifPresent(
        s -> {
          synchronized (entries) {
            entries.put(key, new Entry(TrimmedItemStore.trim(s), now));
          }
        });
    return secret;
  }
}
