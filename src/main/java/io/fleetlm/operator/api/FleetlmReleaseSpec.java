package io.fleetlm.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.List;
import java.util.Map;

/** What the user wants running: a FleetLM image, its database, and how to migrate it. */
@ValidationRule(
    value = "!has(self.publicHost) || !has(self.env) || self.env.all(e, e.name != 'PHX_HOST')",
    message = "PHX_HOST comes from spec.publicHost; do not set it in env too")
public class FleetlmReleaseSpec {

  @Required
  @Size(min = 1, max = 512)
  @Pattern(ImageReference.PATTERN)
  @JsonPropertyDescription(
      "Container image of the FleetLM release, e.g. ghcr.io/acme/fleetlm:1.4.0 or"
          + " ghcr.io/acme/fleetlm@sha256:<digest>: a lowercase repository, optionally a registry"
          + " host and port, a tag and/or a digest. A new image runs its migration first; pods"
          + " switch to it only after the migrations are verified.")
  private String image;

  @Default("1")
  @Min(0)
  @Max(1000)
  @JsonPropertyDescription(
      "Number of app replicas once the release is verified. Default 1. Also the release's scale"
          + " subresource (kubectl scale), which the disruption controller reads for the"
          + " PodDisruptionBudget of the FleetLM nodes the operator starts itself.")
  @SpecReplicas
  private Integer replicas;

  @Required
  @JsonPropertyDescription("Secrets holding DATABASE_URL and SECRET_KEY_BASE.")
  private DatabaseSpec database;

  @JsonPropertyDescription("How the migration Job runs and how its result is verified.")
  private MigrationSpec migration;

  @Default("false")
  @JsonPropertyDescription(
      "Pause the release: while true, no migration starts and the Deployment is not changed."
          + " A running migration Job is left to finish. Argo CD shows the release as Suspended.")
  private Boolean paused;

  @Size(max = 200)
  @ValidationRule(
      value = "self.all(e, e.name != 'DATABASE_URL' && e.name != 'SECRET_KEY_BASE')",
      message = "DATABASE_URL and SECRET_KEY_BASE come from spec.database; do not set them in env")
  @JsonPropertyDescription(
      "Extra environment variables for the app and migration containers. MIGRATE_ON_BOOT is"
          + " always set to \"false\": the operator runs migrations, never the app's boot.")
  private List<EnvVar> env;

  @Size(max = 50)
  @JsonPropertyDescription(
      "ConfigMaps and Secrets exported as environment variables into the app and migration"
          + " containers. Variables in env and the operator's own take precedence.")
  private List<EnvFromSource> envFrom;

  @ValidationRule(
      value =
          "!has(self.requests) || !has(self.limits) || self.requests.all(k, !(k in self.limits)"
              + " || !isQuantity(string(self.requests[k])) || !isQuantity(string(self.limits[k]))"
              + " || quantity(string(self.requests[k])).compareTo(quantity(string(self.limits[k])))"
              + " <= 0)",
      message = "a resource request must not exceed its limit")
  @JsonPropertyDescription(
      "CPU and memory requests and limits of the app and migration containers, as Kubernetes"
          + " quantities (250m, 1, 512Mi). A request may not exceed its limit.")
  private ResourceRequirements resources;

  @Default("4000")
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Port FleetLM's endpoint listens on (PORT). Default 4000.")
  private Integer port;

  @JsonPropertyDescription("Readiness and liveness probes. Default: TCP on the port.")
  private ProbeSpec probes;

  @Size(max = 253)
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
  @JsonPropertyDescription(
      "The host name browsers use to reach FleetLM, e.g. chat.example.com, set as PHX_HOST."
          + " Phoenix accepts a browser's WebSocket only when its Origin's host is this one; unset,"
          + " FleetLM's endpoint host is example.com and every browser WebSocket is refused (403),"
          + " which status.warnings says.")
  private String publicHost;

  @JsonPropertyDescription(
      "The app container's working directory, a volume: Raft's data lives in"
          + " <path>/<node name>/, so it must be writable by the pod's user and outlive a"
          + " container restart. Default: an emptyDir of 1Gi at /var/lib/fleetlm.")
  private WorkingDirectorySpec workingDirectory;

  @JsonPropertyDescription(
      "User, group and fsGroup of the app and migration pods, always numeric so that kubelet"
          + " can enforce runAsNonRoot. Defaults to FleetLM's uid/gid 1000. The rest of the"
          + " security context is fixed: non-root, no privilege escalation, all capabilities"
          + " dropped, seccomp RuntimeDefault (the \"restricted\" Pod Security Standard).")
  private PodSecuritySpec securityContext;

  @JsonPropertyDescription(
      "How the pods form one FleetLM cluster (peer discovery through the headless Service, node"
          + " names, a shared cookie). Default: wired when replicas > 1.")
  private ClusterSpec cluster;

  @Pattern("^(Always|IfNotPresent|Never)$")
  @JsonPropertyDescription(
      "When the kubelet pulls the image: Always, IfNotPresent or Never (images loaded onto the"
          + " nodes beforehand). Default: Kubernetes' own (Always for :latest, else"
          + " IfNotPresent).")
  private String imagePullPolicy;

  @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
  @JsonPropertyDescription("ServiceAccount of the app and migration pods.")
  private String serviceAccountName;

  @Size(max = 64)
  @ValidationRule(
      value =
          "self.all(k, size(k) <= 316 && k.matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?"
              + "(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}"
              + "[A-Za-z0-9])?$'))",
      message =
          "label keys are an optional DNS prefix and '/', then at most 63 letters, digits, '-',"
              + " '_' or '.', starting and ending with a letter or digit")
  @JsonPropertyDescription(
      "Extra labels for the app and migration pods. Values: at most 63 letters, digits, '-',"
          + " '_' or '.', starting and ending with a letter or digit (or empty). The operator's"
          + " own selector labels win.")
  private Map<
          String, @Size(max = 63) @Pattern("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$") String>
      podLabels;

  @JsonPropertyDescription("Extra annotations for the app and migration pods.")
  private Map<String, String> podAnnotations;

  @JsonPropertyDescription("Node selector of the app and migration pods.")
  private Map<String, String> nodeSelector;

  @JsonPropertyDescription("Tolerations of the app and migration pods.")
  private List<Toleration> tolerations;

  @JsonPropertyDescription("Secrets used to pull the image.")
  private List<LocalObjectReference> imagePullSecrets;

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public DatabaseSpec getDatabase() {
    return database;
  }

  public void setDatabase(DatabaseSpec database) {
    this.database = database;
  }

  public MigrationSpec getMigration() {
    return migration;
  }

  public void setMigration(MigrationSpec migration) {
    this.migration = migration;
  }

  public Boolean getPaused() {
    return paused;
  }

  public void setPaused(Boolean paused) {
    this.paused = paused;
  }

  public List<EnvVar> getEnv() {
    return env;
  }

  public void setEnv(List<EnvVar> env) {
    this.env = env;
  }

  public List<EnvFromSource> getEnvFrom() {
    return envFrom;
  }

  public void setEnvFrom(List<EnvFromSource> envFrom) {
    this.envFrom = envFrom;
  }

  public ResourceRequirements getResources() {
    return resources;
  }

  public void setResources(ResourceRequirements resources) {
    this.resources = resources;
  }

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }

  public ProbeSpec getProbes() {
    return probes;
  }

  public void setProbes(ProbeSpec probes) {
    this.probes = probes;
  }

  public String getPublicHost() {
    return publicHost;
  }

  public void setPublicHost(String publicHost) {
    this.publicHost = publicHost;
  }

  public WorkingDirectorySpec getWorkingDirectory() {
    return workingDirectory;
  }

  public void setWorkingDirectory(WorkingDirectorySpec workingDirectory) {
    this.workingDirectory = workingDirectory;
  }

  public ClusterSpec getCluster() {
    return cluster;
  }

  public void setCluster(ClusterSpec cluster) {
    this.cluster = cluster;
  }

  public PodSecuritySpec getSecurityContext() {
    return securityContext;
  }

  public void setSecurityContext(PodSecuritySpec securityContext) {
    this.securityContext = securityContext;
  }

  public String getImagePullPolicy() {
    return imagePullPolicy;
  }

  public void setImagePullPolicy(String imagePullPolicy) {
    this.imagePullPolicy = imagePullPolicy;
  }

  public String getServiceAccountName() {
    return serviceAccountName;
  }

  public void setServiceAccountName(String serviceAccountName) {
    this.serviceAccountName = serviceAccountName;
  }

  public Map<String, String> getPodLabels() {
    return podLabels;
  }

  public void setPodLabels(Map<String, String> podLabels) {
    this.podLabels = podLabels;
  }

  public Map<String, String> getPodAnnotations() {
    return podAnnotations;
  }

  public void setPodAnnotations(Map<String, String> podAnnotations) {
    this.podAnnotations = podAnnotations;
  }

  public Map<String, String> getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  public List<Toleration> getTolerations() {
    return tolerations;
  }

  public void setTolerations(List<Toleration> tolerations) {
    this.tolerations = tolerations;
  }

  public List<LocalObjectReference> getImagePullSecrets() {
    return imagePullSecrets;
  }

  public void setImagePullSecrets(List<LocalObjectReference> imagePullSecrets) {
    this.imagePullSecrets = imagePullSecrets;
  }
}
