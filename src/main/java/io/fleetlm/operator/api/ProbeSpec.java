package io.fleetlm.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** Readiness and liveness probes of the app container. */
public class ProbeSpec {

  @Pattern("^/.*$")
  @JsonPropertyDescription(
      "HTTP path probed for readiness and liveness. Empty probes the TCP port instead: FleetLM's"
          + " router serves no '/' route, so an HTTP probe on '/' would never pass.")
  private String httpPath;

  @Min(0)
  @Max(3600)
  @JsonPropertyDescription("Seconds after container start before the first probe. Default 5.")
  private Integer initialDelaySeconds;

  @Min(1)
  @Max(3600)
  @JsonPropertyDescription("Seconds between probes. Default 10.")
  private Integer periodSeconds;

  @Min(1)
  @Max(100)
  @JsonPropertyDescription("Consecutive failures before the probe fails. Default 3.")
  private Integer failureThreshold;

  public String getHttpPath() {
    return httpPath;
  }

  public void setHttpPath(String httpPath) {
    this.httpPath = httpPath;
  }

  public Integer getInitialDelaySeconds() {
    return initialDelaySeconds;
  }

  public void setInitialDelaySeconds(Integer initialDelaySeconds) {
    this.initialDelaySeconds = initialDelaySeconds;
  }

  public Integer getPeriodSeconds() {
    return periodSeconds;
  }

  public void setPeriodSeconds(Integer periodSeconds) {
    this.periodSeconds = periodSeconds;
  }

  public Integer getFailureThreshold() {
    return failureThreshold;
  }

  public void setFailureThreshold(Integer failureThreshold) {
    this.failureThreshold = failureThreshold;
  }
}
