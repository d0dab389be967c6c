package io.fleetlm.operator.kube;

import io.fleetlm.operator.api.Reason;

/** An Event about a release: Normal or Warning, a reason, a message without secrets. */
public record ReleaseEvent(boolean warning, Reason reason, String message) {

  public static ReleaseEvent normal(Reason reason, String message) {
    return new ReleaseEvent(false, reason, message);
  }

  public static ReleaseEvent warning(Reason reason, String message) {
    return new ReleaseEvent(true, reason, message);
  }
}
