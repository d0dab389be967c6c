package io.fleetlm.operator.kube;

/** An Event about a release: Normal or Warning, a CamelCase reason, a message without secrets. */
public record ReleaseEvent(boolean warning, String reason, String message) {

  public static ReleaseEvent normal(String reason, String message) {
    return new ReleaseEvent(false, reason, message);
  }

  public static ReleaseEvent warning(String reason, String message) {
    return new ReleaseEvent(true, reason, message);
  }
}
