package io.fleetlm.operator.secrets;

/** A Secret or key the release needs does not exist; the message names it, never its data. */
public final class MissingSecretException extends RuntimeException {
  public MissingSecretException(String message) {
    super(message);
  }
}
