package io.fleetlm.operator.kube;

import io.fleetlm.operator.api.FleetlmRelease;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one place that names the operator's objects and labels them. */
public final class ResourceNames {

  public static final String MANAGED_BY = "fleetlm-operator";
  public static final String LABEL_NAME = "app.kubernetes.io/name";
  public static final String LABEL_INSTANCE = "app.kubernetes.io/instance";
  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String LABEL_COMPONENT = "app.kubernetes.io/component";
  public static final String LABEL_RELEASE = "fleetlm.io/release";
  public static final String LABEL_MIGRATION_ID = "fleetlm.io/migration-id";
  public static final String ANNOTATION_DESIRED_HASH = "fleetlm.io/desired-hash";
  public static final String ANNOTATION_IMAGE = "fleetlm.io/image";
  public static final String ANNOTATION_RELEASE = "fleetlm.io/release";

  /**
   * Set by a user on an object of a name a release needs, to the release's name: the object is the
   * release's to replace.
   */
  public static final String ANNOTATION_HAND_OVER_TO = "fleetlm.io/hand-over-to";

  public static final String LABEL_JOB_NAME = "batch.kubernetes.io/job-name";
  public static final String COMPONENT_APP = "app";
  public static final String COMPONENT_MIGRATION = "migration";
  public static final String MANAGED_SELECTOR = LABEL_MANAGED_BY + "=" + MANAGED_BY;
  public static final String APP_CONTAINER = "fleetlm";
  public static final String MIGRATION_CONTAINER = "migrate";

  private static final int MAX_LABEL_VALUE = 63;
  private static final int MAX_OBJECT_NAME = 253;
  private static final int NAME_HASH_LENGTH = 8;
  private static final int REPLICA_SET_SUFFIX = 11;
  private static final String MIGRATE_INFIX = "-migrate-";

  private ResourceNames() {}

  /** Selects the operator's own objects of one component, for informers. */
  public static String managedSelector(String component) {
    return MANAGED_SELECTOR + "," + LABEL_COMPONENT + "=" + component;
  }

  /**
   * The Deployment controller names its ReplicaSets {@code <deployment>-<pod-template-hash>}, the
   * hash up to 10 characters: the Deployment's name leaves room for them within 253.
   */
  public static String deploymentName(FleetlmRelease release) {
    return fit(release.getMetadata().getName(), "", MAX_OBJECT_NAME - REPLICA_SET_SUFFIX);
  }

  /** Service names are DNS labels: at most 63 characters. */
  public static String httpServiceName(FleetlmRelease release) {
    return fit(release.getMetadata().getName(), "", MAX_LABEL_VALUE);
  }

  public static String headlessServiceName(FleetlmRelease release) {
    return fit(release.getMetadata().getName(), "-headless", MAX_LABEL_VALUE);
  }

  public static String cookieSecretName(FleetlmRelease release) {
    return fit(release.getMetadata().getName(), "-cookie", MAX_OBJECT_NAME);
  }

  public static String disruptionBudgetName(FleetlmRelease release) {
    return release.getMetadata().getName();
  }

  /** Job names become pod label values, so they must fit in 63 characters. */
  public static String migrationJobName(FleetlmRelease release, String migrationId) {
    return fit(release.getMetadata().getName(), MIGRATE_INFIX + migrationId, MAX_LABEL_VALUE);
  }

  public static Map<String, String> selectorLabels(FleetlmRelease release, String component) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(LABEL_NAME, "fleetlm");
    labels.put(LABEL_INSTANCE, labelValue(release.getMetadata().getName()));
    labels.put(LABEL_COMPONENT, component);
    return labels;
  }

  public static Map<String, String> commonLabels(FleetlmRelease release, String component) {
    Map<String, String> labels = selectorLabels(release, component);
    labels.put(LABEL_MANAGED_BY, MANAGED_BY);
    labels.put(LABEL_RELEASE, labelValue(release.getMetadata().getName()));
    return labels;
  }

  /**
   * Events are named after the release and the microsecond they were first recorded, so that in a
   * listing they sort in the order they happened.
   */
  public static String eventName(FleetlmRelease release, long epochMicros) {
    return fit(
        release.getMetadata().getName(),
        "." + String.format("%016x", epochMicros),
        MAX_OBJECT_NAME);
  }

  /** A name as a label value: as it is when it fits, else cut and ended with a hash of it. */
  public static String labelValue(String name) {
    return fit(name, "", MAX_LABEL_VALUE);
  }

  /**
   * The release's name followed by a suffix, within a length limit. A name that fits is used as it
   * is, so short names never change; a longer one keeps a readable prefix and gains a hash of the
   * whole name, so two releases whose names differ only past the cut still get distinct objects.
   */
  static String fit(String name, String suffix, int maxLength) {
    if (name.length() + suffix.length() <= maxLength) {
      return name + suffix;
    }
    String hash = shortHash(name, NAME_HASH_LENGTH);
    int room = maxLength - suffix.length() - hash.length() - 1;
    return trimToDnsLabel(name, room) + "-" + hash + suffix;
  }

  static String shortHash(String text, int hexChars) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, hexChars);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }

  private static String trimToDnsLabel(String name, int maxLength) {
    String trimmed = name.length() > maxLength ? name.substring(0, maxLength) : name;
    return trimmed.replaceAll("[-.]+$", "");
  }
}
