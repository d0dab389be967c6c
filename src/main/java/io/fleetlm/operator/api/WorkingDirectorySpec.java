package io.fleetlm.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * Where FleetLM's app container works: its working directory is where Raft keeps its log ({@code
 * <working directory>/<node name>/}, the ra library's default), so it must be writable by the pod's
 * user and outlive a container restart. FleetLM's image works in /app, which only uid 1000 can
 * write and which a read-only root filesystem forbids.
 */
public class WorkingDirectorySpec {

  public static final String DEFAULT_PATH = "/var/lib/fleetlm";
  public static final String DEFAULT_SIZE_LIMIT = "1Gi";

  @Size(max = 256)
  @Pattern("^(/[-A-Za-z0-9_][-A-Za-z0-9_.]*)+$")
  @ValidationRule(
      value =
          "self != '/app' && !self.startsWith('/app/') && !self.contains('/.')"
              + " && !['/proc', '/dev', '/sys'].exists(k, self == k || self.startsWith(k + '/'))",
      message =
          "the working directory is a volume mounted over what the image has there: not /app or"
              + " below (FleetLM's release and entrypoint), no . or .. segments, and no kernel file"
              + " system (/proc, /dev, /sys)")
  @JsonPropertyDescription(
      "Absolute path of the app container's working directory, a volume of its own. Default"
          + " /var/lib/fleetlm. Raft's data lands in <path>/<node name>/.")
  private String path;

  @JsonPropertyDescription(
      "Size limit of the emptyDir that holds the working directory (the pod is evicted when Raft's"
          + " data outgrows it). Default 1Gi. Ignored with claimName.")
  private Quantity sizeLimit;

  @Size(max = 253)
  @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
  @JsonPropertyDescription(
      "A PersistentVolumeClaim to mount instead of the emptyDir, for Raft data that outlives the"
          + " pod. Every replica mounts it (each node writes its own <node name>/ directory), so"
          + " with more than one replica it must be ReadWriteMany. Mind that node names are"
          + " <basename>@<pod IP>: a new pod is a new Raft member and leaves the old directory"
          + " behind, and a pod that gets a departed pod's IP finds that member's state.")
  private String claimName;

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }

  public Quantity getSizeLimit() {
    return sizeLimit;
  }

  public void setSizeLimit(Quantity sizeLimit) {
    this.sizeLimit = sizeLimit;
  }

  public String getClaimName() {
    return claimName;
  }

  public void setClaimName(String claimName) {
    this.claimName = claimName;
  }
}
