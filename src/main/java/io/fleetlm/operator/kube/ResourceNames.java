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
  public static final String LABEL_JOB_NAME = "batch.kubernetes.io/job-name";
  public static final String COMPONENT_APP = "app";
  public static final String COMPONENT_MIGRATION = "migration";
  public static final String MANAGED_SELECTOR = LABEL_MANAGED_BY + "=" + MANAGED_BY;
  public static final String APP_CONTAINER = "fleetlm";
  public static final String MIGRATION_CONTAINER = "migrate";

  private static final int MAX_LABEL_VALUE = 63;
  private static final String MIGRATE_INFIX = "-migrate-";

  private ResourceNames() {}

  /** Selects the operator's own objects of one component, for informers. */
  public static String managedSelector(String component) {
    return MANAGED_SELECTOR + "," + LABEL_COMPONENT + "=" + component;
  }

  public static String deploymentName(FleetlmRelease release) {
    return release.getMetadata().getName();
  }

  /** Service names are DNS labels: at most 63 characters. */
  public static String httpServiceName(FleetlmRelease release) {
    return trimToDnsLabel(release.getMetadata().getName(), MAX_LABEL_VALUE);
  }

  public static String headlessServiceName(FleetlmRelease release) {
    String suffix = "-headless";
    return trimToDnsLabel(release.getMetadata().getName(), MAX_LABEL_VALUE - suffix.length())
        + suffix;
  }

  public static String cookieSecretName(FleetlmRelease release) {
    return release.getMetadata().getName() + "-cookie";
  }

  public static String disruptionBudgetName(FleetlmRelease release) {
    return release.getMetadata().getName();
  }

  /** Job names become pod label values, so they must fit in 63 characters. */
  public static String migrationJobName(FleetlmRelease release, String migrationId) {
    int room = MAX_LABEL_VALUE - MIGRATE_INFIX.length() - migrationId.length();
    return trimToDnsLabel(release.getMetadata().getName(), room) + MIGRATE_INFIX + migrationId;
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
    return trimToDnsLabel(release.getMetadata().getName(), 253 - 17)
        + "."
        + String.format("%016x", epochMicros);
  }

  /** Names longer than a label value allows keep a readable prefix and a hash suffix. */
  static String labelValue(String name) {
    if (name.length() <= MAX_LABEL_VALUE) {
      return name;
    }
    String suffix = shortHash(name, 8);
    return trimToDnsLabel(name, MAX_LABEL_VALUE - suffix.length() - 1) + "-" + suffix;
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
