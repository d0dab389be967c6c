package io.fleetlm.operator.secrets;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Masks secret values in text that came from outside the operator (a pod's termination message or
 * log tail, an exception) before it reaches status, an Event or a log line.
 */
public final class SecretMasker {

  public static final String MASK = "******";

  /**
   * Shorter values are not masked: masking "1" or "true" everywhere would destroy the message and
   * protect nothing.
   */
  static final int MIN_LENGTH = 4;

  // user:password@ in any URL-looking text, whoever's password it is.
  private static final Pattern URL_CREDENTIALS = Pattern.compile("(?<=://)[^/\\s:@]+:[^/\\s@]+@");

  private final List<String> values;

  private SecretMasker(List<String> values) {
    this.values = values;
  }

  /** Masks these values and their URL-encoded forms, longest first. */
  public static SecretMasker of(Collection<String> secretValues) {
    Set<String> forms = new LinkedHashSet<>();
    for (String value : secretValues) {
      if (value == null) {
        continue;
      }
      for (String form :
          List.of(
              value,
              value.strip(),
              URLEncoder.encode(value, StandardCharsets.UTF_8),
              URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20"))) {
        if (form.length() >= MIN_LENGTH) {
          forms.add(form);
        }
      }
    }
    return new SecretMasker(
        forms.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList());
  }

  /** Only URL credentials: for when the Secrets themselves cannot be read. */
  public static SecretMasker urlCredentialsOnly() {
    return new SecretMasker(List.of());
  }

  public String mask(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String masked = text;
    for (String value : values) {
      masked = masked.replace(value, MASK);
    }
    return URL_CREDENTIALS.matcher(masked).replaceAll(MASK + ":" + MASK + "@");
  }
}
