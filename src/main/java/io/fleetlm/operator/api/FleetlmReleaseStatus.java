package io.fleetlm.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;

/** What the operator observed and did; written only by the operator. */
public class FleetlmReleaseStatus {

  @JsonPropertyDescription("Generation of the spec this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Pending, Migrating, Verifying, RollingOut, Ready or Failed; derived from the conditions.")
  private Phase phase;

  @JsonPropertyDescription(
      "Ready, Reconciling, Stalled (kstatus), MigrationSucceeded, MigrationsVerified, RolledOut.")
  private List<ReleaseCondition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Image the Deployment runs: the newest verified one.")
  private String currentImage;

  @JsonPropertyDescription("Image the spec asks for.")
  private String targetImage;

  @JsonPropertyDescription("Migration identity of the spec (see history[].migrationId).")
  private String targetMigrationId;

  @JsonPropertyDescription("Migration identity whose verification the Deployment runs.")
  private String verifiedMigrationId;

  @JsonPropertyDescription(
      "The database the spec names now, as host:port/name (no credentials), read from the"
          + " DATABASE_URL Secret; empty when the Secret names none. Ready holds for this database:"
          + " another one is migrated and verified before any pod is rolled onto it.")
  private String database;

  @JsonPropertyDescription("Newest schema version found applied at the last verification.")
  private String schemaVersion;

  @JsonPropertyDescription("Name of the migration Job of the target release.")
  private String migrationJob;

  @JsonPropertyDescription(
      "Why the release failed: the migration pod's termination message (or log tail), or the"
          + " versions missing from the database.")
  private String failureMessage;

  @JsonPropertyDescription("Replicas the Deployment wants.")
  private Integer replicas;

  @JsonPropertyDescription(
      "Ready replicas of the Deployment, or with the operator's clusterRoll nodes its ready node"
          + " pods; the status replicas of the scale subresource.")
  @StatusReplicas
  private Integer readyReplicas;

  @JsonPropertyDescription(
      "Ready replicas of the Deployment over the replicas the spec asks for, e.g. 2/3 (the READY"
          + " column of kubectl get).")
  private String ready;

  @JsonPropertyDescription("Replicas already running the current pod template.")
  private Integer updatedReplicas;

  @JsonPropertyDescription("Things the operator changed or ignored in the spec, and why.")
  private List<String> warnings = new ArrayList<>();

  @JsonPropertyDescription("ClusterIP Service that routes HTTP to the release's ready pods.")
  private String service;

  @JsonPropertyDescription(
      "Headless Service the pods find each other through (DNS_CLUSTER_QUERY); it publishes pods"
          + " that are not ready yet.")
  private String headlessService;

  @JsonPropertyDescription(
      "Pods that are cluster members: serving endpoints of the headless Service; with the"
          + " operator's clusterRoll nodes, FleetLM nodes that said they joined their Raft groups"
          + " (ready?()) and are Ready. With clustering on, Ready requires all the replicas the"
          + " spec asks for.")
  private Integer clusterMembers;

  @JsonPropertyDescription(
      "With the operator's clusterRoll nodes, the highest serial of any FleetLM node started for"
          + " this release. A new node is numbered above it, so no node name is used twice, even"
          + " after every node is gone: FleetLM's groups may still list a name, and Raft must"
          + " never take a new node for a member it once had.")
  private Integer lastNodeSerial;

  @JsonPropertyDescription("Recent releases, newest first (at most 10).")
  private List<ReleaseRecord> history = new ArrayList<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public Phase getPhase() {
    return phase;
  }

  public void setPhase(Phase phase) {
    this.phase = phase;
  }

  public List<ReleaseCondition> getConditions() {
    return conditions;
  }

  public void setConditions(List<ReleaseCondition> conditions) {
    this.conditions = conditions;
  }

  public String getCurrentImage() {
    return currentImage;
  }

  public void setCurrentImage(String currentImage) {
    this.currentImage = currentImage;
  }

  public String getTargetImage() {
    return targetImage;
  }

  public void setTargetImage(String targetImage) {
    this.targetImage = targetImage;
  }

  public String getTargetMigrationId() {
    return targetMigrationId;
  }

  public void setTargetMigrationId(String targetMigrationId) {
    this.targetMigrationId = targetMigrationId;
  }

  public String getVerifiedMigrationId() {
    return verifiedMigrationId;
  }

  public void setVerifiedMigrationId(String verifiedMigrationId) {
    this.verifiedMigrationId = verifiedMigrationId;
  }

  public String getDatabase() {
    return database;
  }

  public void setDatabase(String database) {
    this.database = database;
  }

  public String getSchemaVersion() {
    return schemaVersion;
  }

  public void setSchemaVersion(String schemaVersion) {
    this.schemaVersion = schemaVersion;
  }

  public String getMigrationJob() {
    return migrationJob;
  }

  public void setMigrationJob(String migrationJob) {
    this.migrationJob = migrationJob;
  }

  public String getFailureMessage() {
    return failureMessage;
  }

  public void setFailureMessage(String failureMessage) {
    this.failureMessage = failureMessage;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public String getReady() {
    return ready;
  }

  public void setReady(String ready) {
    this.ready = ready;
  }

  public Integer getReadyReplicas() {
    return readyReplicas;
  }

  public void setReadyReplicas(Integer readyReplicas) {
    this.readyReplicas = readyReplicas;
  }

  public Integer getUpdatedReplicas() {
    return updatedReplicas;
  }

  public void setUpdatedReplicas(Integer updatedReplicas) {
    this.updatedReplicas = updatedReplicas;
  }

  public String getService() {
    return service;
  }

  public void setService(String service) {
    this.service = service;
  }

  public String getHeadlessService() {
    return headlessService;
  }

  public void setHeadlessService(String headlessService) {
    this.headlessService = headlessService;
  }

  public Integer getClusterMembers() {
    return clusterMembers;
  }

  public void setClusterMembers(Integer clusterMembers) {
    this.clusterMembers = clusterMembers;
  }

  public Integer getLastNodeSerial() {
    return lastNodeSerial;
  }

  public void setLastNodeSerial(Integer lastNodeSerial) {
    this.lastNodeSerial = lastNodeSerial;
  }

  public List<String> getWarnings() {
    return warnings;
  }

  public void setWarnings(List<String> warnings) {
    this.warnings = warnings;
  }

  public List<ReleaseRecord> getHistory() {
    return history;
  }

  public void setHistory(List<ReleaseRecord> history) {
    this.history = history;
  }
}
