package io.fleetlm.operator.secrets;

import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseSpec;
import io.fleetlm.operator.api.SecretKeyReference;
import io.fleetlm.operator.database.DatabaseUrl;
import io.fleetlm.operator.database.InvalidDatabaseUrlException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Secrets one release references, read at most once per reconcile (and the masker built from
 * them, at most once). Values leave this class only as the database URL (to connect) and as a
 * {@link SecretMasker} (to hide them).
 */
public final class ReleaseSecrets {

  private final FleetlmRelease release;
  private final Function<String, Optional<Secret>> lookup;
  private final Function<String, Optional<Secret>> fresh;
  private final Map<String, Optional<Secret>> read = new HashMap<>();
  private final Set<String> reread = new HashSet<>();
  private SecretMasker masker;

  /**
   * @param lookup reads a Secret of the release's namespace by name
   */
  public ReleaseSecrets(FleetlmRelease release, Function<String, Optional<Secret>> lookup) {
    this(release, lookup, lookup);
  }

  /**
   * @param lookup reads a Secret of the release's namespace by name, possibly a recent copy
   * @param fresh reads it from the API server: used before saying a Secret is unusable, so that a
   *     fix is seen at once and not when a copy expires
   */
  public ReleaseSecrets(
      FleetlmRelease release,
      Function<String, Optional<Secret>> lookup,
      Function<String, Optional<Secret>> fresh) {
    this.release = release;
    this.lookup = lookup;
    this.fresh = fresh;
  }

  /**
   * @throws MissingSecretException naming the Secret or key that is missing
   * @throws InvalidDatabaseUrlException when the value is not a URL FleetLM accepts
   */
  public DatabaseUrl databaseUrl() {
    SecretKeyReference ref = spec().getDatabase().getUrlSecretRef();
    return againIfStale(ref.getName(), () -> DatabaseUrl.parse(valueAsRead(ref, "urlSecretRef")));
  }

  /** What the migration needs before its Job can start: both Secrets, and a usable URL. */
  public void checkDatabaseSecrets() {
    databaseUrl();
    value(spec().getDatabase().getSecretKeyBaseSecretRef(), "secretKeyBaseSecretRef");
  }

  /** Reads the Secret again from the API server; false if this reconcile already did. */
  private boolean reread(String name) {
    if (lookup == fresh || reread.contains(name)) {
      return false;
    }
    reread.add(name);
    read.put(name, fresh.apply(name));
    masker = null;
    return true;
  }

  /**
   * Masks every value of every key of every Secret the release references, and the password of
   * DATABASE_URL. Secrets that cannot be read mask nothing beyond URL credentials.
   */
  public SecretMasker masker() {
    if (masker == null) {
      masker = SecretMasker.of(secretValues());
    }
    return masker;
  }

  private List<String> secretValues() {
    List<String> values = new ArrayList<>();
    for (String name : referencedSecretNames()) {
      secret(name).ifPresent(s -> values.addAll(decodedValues(s)));
    }
    try {
      values.add(databaseUrl().properties().getProperty("password"));
    } catch (RuntimeException e) {
      // No usable URL: its raw value is already in the list.
    }
    return values;
  }

  Set<String> referencedSecretNames() {
    FleetlmReleaseSpec spec = spec();
    Set<String> names = new LinkedHashSet<>();
    names.add(spec.getDatabase().getUrlSecretRef().getName());
    names.add(spec.getDatabase().getSecretKeyBaseSecretRef().getName());
    for (EnvFromSource from :
        Objects.requireNonNullElse(spec.getEnvFrom(), List.<EnvFromSource>of())) {
      if (from.getSecretRef() != null && from.getSecretRef().getName() != null) {
        names.add(from.getSecretRef().getName());
      }
    }
    for (EnvVar env : Objects.requireNonNullElse(spec.getEnv(), List.<EnvVar>of())) {
      if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
        names.add(env.getValueFrom().getSecretKeyRef().getName());
      }
    }
    for (LocalObjectReference pull :
        Objects.requireNonNullElse(spec.getImagePullSecrets(), List.<LocalObjectReference>of())) {
      names.add(pull.getName());
    }
    names.remove(null);
    return names;
  }

  private String value(SecretKeyReference ref, String field) {
    return againIfStale(ref.getName(), () -> valueAsRead(ref, field));
  }

  /**
   * What the copy of the Secret gives, or, when that copy makes it look unusable (a key missing, a
   * URL that does not parse), what the Secret gives read afresh: it may have been fixed since. A
   * Secret that is not there at all was read just now (absence is never cached).
   */
  private <T> T againIfStale(String name, Supplier<T> read) {
    try {
      return read.get();
    } catch (MissingSecretException | InvalidDatabaseUrlException e) {
      if (secret(name).isEmpty() || !reread(name)) {
        throw e;
      }
      return read.get();
    }
  }

  private String valueAsRead(SecretKeyReference ref, String field) {
    String namespace = release.getMetadata().getNamespace();
    Secret secret =
        secret(ref.getName())
            .orElseThrow(
                () ->
                    new MissingSecretException(
                        "Secret "
                            + ref.getName()
                            + " (spec.database."
                            + field
                            + ") does not exist in namespace "
                            + namespace
                            + "; create it and the release continues"));
    return decoded(secret, ref.getKey())
        .orElseThrow(
            () ->
                new MissingSecretException(
                    "Secret "
                        + ref.getName()
                        + " has no key '"
                        + ref.getKey()
                        + "' (spec.database."
                        + field
                        + ".key); add it and the release continues"));
  }

  private Optional<Secret> secret(String name) {
    return read.computeIfAbsent(name, lookup);
  }

  private static Optional<String> decoded(Secret secret, String key) {
    Map<String, String> data = Objects.requireNonNullElse(secret.getData(), Map.of());
    Map<String, String> stringData = Objects.requireNonNullElse(secret.getStringData(), Map.of());
    if (data.containsKey(key)) {
      return Optional.of(decode(data.get(key)));
    }
    return Optional.ofNullable(stringData.get(key));
  }

  private static List<String> decodedValues(Secret secret) {
    List<String> values = new ArrayList<>();
    Objects.requireNonNullElse(secret.getData(), Map.<String, String>of())
        .values()
        .forEach(v -> values.add(decode(v)));
    values.addAll(
        Objects.requireNonNullElse(secret.getStringData(), Map.<String, String>of()).values());
    return values;
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }

  private FleetlmReleaseSpec spec() {
    return release.getSpec();
  }
}
