package io.fleetlm.operator.api;

/**
 * The grammar of an OCI image reference (distribution/reference): optional registry host and port,
 * a lowercase repository path, an optional tag and an optional digest.
 */
public final class ImageReference {

  private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)";
  private static final String DOMAIN =
      DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*(?::[0-9]+)?";
  private static final String PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
  private static final String TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
  private static final String DIGEST =
      "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

  public static final String PATTERN =
      "^(?:"
          + DOMAIN
          + "/)?"
          + PATH_COMPONENT
          + "(?:/"
          + PATH_COMPONENT
          + ")*(?::"
          + TAG
          + ")?(?:@"
          + DIGEST
          + ")?$";

  private ImageReference() {}
}
