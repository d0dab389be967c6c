package io.fleetlm.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * The numeric identity the app and migration pods run as, and whether their root filesystem is
 * read-only. Everything else of their security context is fixed to the "restricted" Pod Security
 * Standard.
 */
public class PodSecuritySpec {

  /** FleetLM's image creates its user `app` with uid 1000 in group `app`, gid 1000. */
  public static final long FLEETLM_UID = 1000L;

  public static final long FLEETLM_GID = 1000L;

  @Min(1)
  @Max(2147483647)
  @JsonPropertyDescription(
      "Numeric user ID the containers run as (pod securityContext.runAsUser). Pods run with"
          + " runAsNonRoot, and kubelet refuses to start an image whose USER is a name (FleetLM's"
          + " is `app`) unless a numeric user is given here. Must not be 0. Default 1000, the uid"
          + " of FleetLM's `app` user; set it to the uid your image's user has.")
  private Long runAsUser;

  @Min(1)
  @Max(2147483647)
  @JsonPropertyDescription(
      "Numeric primary group ID of the containers' processes (runAsGroup). Must not be 0."
          + " Default 1000, the gid of FleetLM's `app` group.")
  private Long runAsGroup;

  @Min(1)
  @Max(2147483647)
  @JsonPropertyDescription(
      "Group that owns mounted volumes and is added to the processes' groups (fsGroup). Must not"
          + " be 0. Default 1000.")
  private Long fsGroup;

  @JsonPropertyDescription(
      "Mount the containers' root filesystem read-only (securityContext.readOnlyRootFilesystem)."
          + " Default true: FleetLM writes only to its working directory (spec.workingDirectory, a"
          + " volume) when it starts or evaluates an expression. Set false for an image that"
          + " writes elsewhere.")
  private Boolean readOnlyRootFilesystem;

  public Long getRunAsUser() {
    return runAsUser;
  }

  public void setRunAsUser(Long runAsUser) {
    this.runAsUser = runAsUser;
  }

  public Long getRunAsGroup() {
    return runAsGroup;
  }

  public void setRunAsGroup(Long runAsGroup) {
    this.runAsGroup = runAsGroup;
  }

  public Long getFsGroup() {
    return fsGroup;
  }

  public void setFsGroup(Long fsGroup) {
    this.fsGroup = fsGroup;
  }

  public Boolean getReadOnlyRootFilesystem() {
    return readOnlyRootFilesystem;
  }

  public void setReadOnlyRootFilesystem(Boolean readOnlyRootFilesystem) {
    this.readOnlyRootFilesystem = readOnlyRootFilesystem;
  }
}
