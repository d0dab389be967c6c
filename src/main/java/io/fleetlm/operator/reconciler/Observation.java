package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseStatus;
import io.fleetlm.operator.api.MigrationSpec;
import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.api.ReleaseCondition;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.api.SchemaDriftPolicy;
import io.fleetlm.operator.kube.DatabaseScope;
import io.fleetlm.operator.kube.MigrationIdentity;
import io.fleetlm.operator.kube.SchemaRepair;
import io.fleetlm.operator.status.ConditionType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one reconcile starts from, read before anything is decided and never changed after.
 *
 * @param release the release as the informer delivered it
 * @param jobsById this release's migration Jobs, by migration identity
 * @param podsByJob the pods of those Jobs, by Job name
 * @param deployment the app Deployment, if it exists
 * @param cluster the Services, the disruption budget and the headless Service's endpoints
 * @param now the reconcile's clock, at the seconds Kubernetes times have
 * @param database the database the spec names now (host:port/name, no credentials), empty when its
 *     Secret is missing or holds no usable URL
 */
public record Observation(
    FleetlmRelease release,
    Map<String, Job> jobsById,
    Map<String, List<Pod>> podsByJob,
    Optional<Deployment> deployment,
    Cluster cluster,
    Instant now,
    Optional<String> database) {

  public Observation {
    jobsById = Map.copyOf(jobsById);
    podsByJob = Map.copyOf(podsByJob);
  }

  /** What the informers hold, before the Secret naming the database is read. */
  public Observation(
      FleetlmRelease release,
      Map<String, Job> jobsById,
      Map<String, List<Pod>> podsByJob,
      Optional<Deployment> deployment,
      Cluster cluster,
      Instant now) {
    this(release, jobsById, podsByJob, deployment, cluster, now, Optional.empty());
  }

  /** The same observation with the database its Secret names (empty: none usable). */
  Observation withDatabase(Optional<String> named) {
    return new Observation(release, jobsById, podsByJob, deployment, cluster, now, named);
  }

  /**
   * @param services the release's Services, by name
   * @param slices EndpointSlices of those Services
   */
  public record Cluster(
      Map<String, Service> services,
      Optional<PodDisruptionBudget> budget,
      List<EndpointSlice> slices) {

    public Cluster {
      services = Map.copyOf(services);
      slices = List.copyOf(slices);
    }
  }

  /** The same observation with a Job the API server returned where the cache had none. */
  Observation withJob(String migrationId, Job job) {
    Map<String, Job> jobs = new java.util.HashMap<>(jobsById);
    jobs.put(migrationId, job);
    return new Observation(release, jobs, podsByJob, deployment, cluster, now, database);
  }

  /** The same observation with pods the API server returned for a Job the cache had none of. */
  Observation withPods(String jobName, List<Pod> pods) {
    Map<String, List<Pod>> byJob = new java.util.HashMap<>(podsByJob);
    byJob.put(jobName, List.copyOf(pods));
    return new Observation(release, jobsById, byJob, deployment, cluster, now, database);
  }

  List<Pod> podsOf(Job job) {
    return podsByJob.getOrDefault(job.getMetadata().getName(), List.of());
  }

  FleetlmReleaseStatus previous() {
    return Objects.requireNonNullElseGet(release.getStatus(), FleetlmReleaseStatus::new);
  }

  long generation() {
    return Objects.requireNonNullElse(release.getMetadata().getGeneration(), 0L);
  }

  /**
   * The spec's migration identity in the database it names ({@link DatabaseScope}), or the repair
   * of that database it is making ({@link SchemaRepair}). A repair starts once the status says the
   * verified release is SchemaBehind and the spec asks to migrate on drift: the status written by
   * the pass that found the drift is what makes the next pass run the repair, so an operator that
   * stops in between still runs it, once.
   */
  String targetId() {
    List<ReleaseRecord> history = previous().getHistory();
    String scoped = DatabaseScope.of(MigrationIdentity.of(release.getSpec()), database, history);
    String current = SchemaRepair.current(scoped, history);
    return current.equals(previous().getVerifiedMigrationId())
            && repairsDrift()
            && schemaBehind().isPresent()
        ? SchemaRepair.next(scoped, history)
        : current;
  }

  /** Whether the spec asks to migrate a database that lost verified migrations. */
  boolean repairsDrift() {
    MigrationSpec migration = release.getSpec().getMigration();
    return migration != null
        && migration.getOnSchemaDrift() == SchemaDriftPolicy.Migrate
        && migration.getRollbackTo() == null;
  }

  /** The MigrationsVerified condition of the status this reconcile started from. */
  Optional<ReleaseCondition> previousVerification() {
    return Objects.requireNonNullElse(previous().getConditions(), List.<ReleaseCondition>of())
        .stream()
        .filter(c -> ConditionType.MIGRATIONS_VERIFIED.equals(c.getType()))
        .findFirst();
  }

  /** What the previous status said when it found the verified database behind (SchemaBehind). */
  Optional<String> schemaBehind() {
    return previousVerification()
        .filter(c -> Reason.SchemaBehind.name().equals(c.getReason()))
        .map(ReleaseCondition::getMessage);
  }

  boolean paused() {
    return Boolean.TRUE.equals(release.getSpec().getPaused());
  }

  String name() {
    return release.getMetadata().getNamespace() + "/" + release.getMetadata().getName();
  }
}
