package io.fleetlm.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A Kubernetes-style condition, readable by kstatus (Flux, kpt) and Argo CD. */
public class ReleaseCondition {

  @JsonPropertyDescription(
      "Condition type: Ready, Reconciling, Stalled, MigrationSucceeded, MigrationsVerified or"
          + " RolledOut.")
  private String type;

  @JsonPropertyDescription("True, False or Unknown.")
  private String status;

  @JsonPropertyDescription("Generation of the FleetlmRelease this condition was computed for.")
  private Long observedGeneration;

  @JsonPropertyDescription("When the status last changed (RFC 3339).")
  private String lastTransitionTime;

  @JsonPropertyDescription("Machine-readable reason in CamelCase.")
  private String reason;

  @JsonPropertyDescription("What happened and, on failure, how to fix it.")
  private String message;

  public ReleaseCondition() {}

  public ReleaseCondition(
      String type,
      String status,
      Long observedGeneration,
      String lastTransitionTime,
      String reason,
      String message) {
    this.type = type;
    this.status = status;
    this.observedGeneration = observedGeneration;
    this.lastTransitionTime = lastTransitionTime;
    this.reason = reason;
    this.message = message;
  }

  public String getType() {
    return type;
  }

  public void setType(String type) {
    this.type = type;
  }

  public String getStatus() {
    return status;
  }

  public void setStatus(String status) {
    this.status = status;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getLastTransitionTime() {
    return lastTransitionTime;
  }

  public void setLastTransitionTime(String lastTransitionTime) {
    this.lastTransitionTime = lastTransitionTime;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
