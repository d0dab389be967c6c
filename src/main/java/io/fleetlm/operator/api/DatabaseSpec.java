package io.fleetlm.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** Where FleetLM's database credentials live. */
public class DatabaseSpec {

  @Required
  @JsonPropertyDescription(
      "Secret key holding DATABASE_URL, as FleetLM reads it (ecto://, postgres:// or postgresql://"
          + " with user, password, host, port and database). The migration Job, the app pods and"
          + " the operator's verification all use it.")
  private SecretKeyReference urlSecretRef;

  @Required
  @JsonPropertyDescription(
      "Secret key holding SECRET_KEY_BASE. FleetLM's runtime configuration refuses to start"
          + " without it, also for the migration command.")
  private SecretKeyReference secretKeyBaseSecretRef;

  public SecretKeyReference getUrlSecretRef() {
    return urlSecretRef;
  }

  public void setUrlSecretRef(SecretKeyReference urlSecretRef) {
    this.urlSecretRef = urlSecretRef;
  }

  public SecretKeyReference getSecretKeyBaseSecretRef() {
    return secretKeyBaseSecretRef;
  }

  public void setSecretKeyBaseSecretRef(SecretKeyReference secretKeyBaseSecretRef) {
    this.secretKeyBaseSecretRef = secretKeyBaseSecretRef;
  }
}
