package io.fleetlm.operator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * The operator's settings, with their defaults, in one place. Every key can be set as an
 * environment variable: fleetlm.operator.database-timeout is FLEETLM_OPERATOR_DATABASE_TIMEOUT.
 */
@ConfigMapping(prefix = "fleetlm.operator")
public interface OperatorConfig {

  /** Connect, socket and statement timeout of each read of a release's database. */
  @WithDefault("5s")
  Duration databaseTimeout();

  /** Delays between attempts to read a database that did not answer. */
  Backoff verificationBackoff();

  /**
   * How often a release that waits for something the operator does not watch (a Secret it needs) is
   * looked at again.
   */
  @WithDefault("30s")
  Duration blockedRecheck();

  /**
   * How often a release that waits for nothing is looked at again without an event: Secrets are not
   * watched, so a DATABASE_URL changed in place is seen within this time.
   */
  @WithDefault("10m")
  Duration resync();

  /** Failed reconciles (API errors) retried this many times before the release says Stalled. */
  @WithDefault("3")
  int errorsBeforeStalled();

  /**
   * How a clustered release's FleetLM nodes are started and rolled. {@code nodes} (the default):
   * one pod per node, started and stopped by the operator, each node named above every earlier one,
   * each step taken only once FleetLM says the last is done (issue 33). {@code deployment}: one
   * Deployment, one pod more or fewer at a time, rolled by the Deployment controller (a surge roll
   * FleetLM's coordinator cannot follow; kept for releases made before {@code nodes}, and for
   * clusters whose pods run no FleetLM to ask, such as kwok's). With {@code nodes}, a cluster a
   * Deployment runs keeps it until the Deployment would roll, and then moves off it one node at a
   * time.
   */
  @WithDefault("nodes")
  ClusterRoll clusterRoll();

  /** How long one question to a FleetLM node (its release's rpc, in its pod) may take. */
  @WithDefault("30s")
  Duration nodeRpcTimeout();

  /**
   * With {@code clusterRoll: nodes}: how long the roll may wait on the same pods for FleetLM (a
   * node to join its groups, a group to drop a departed node) before the release says Stalled, with
   * the reason ClusterNotConverging. It still takes its step if FleetLM's answer comes later.
   */
  @WithDefault("10m")
  Duration clusterStepDeadline();

  /** See {@link #clusterRoll()}. */
  enum ClusterRoll {
    DEPLOYMENT,
    NODES
  }

  LeaderElection leaderElection();

  /**
   * Namespace of the Leases that let one migration run per database at a time: the operator's own
   * namespace in a cluster (the chart sets it). Default: the leader-election namespace, else the
   * client's namespace. Every operator that shares databases must use the same one.
   */
  Optional<String> lockNamespace();

  /**
   * Names this operator instance: its leader-election identity and the reportingInstance of its
   * Events. The chart sets the pod's name; the default is the host name.
   */
  @WithDefault("${HOSTNAME:fleetlm-operator}")
  String instanceName();

  /** Doubling delays from initial up to max. */
  interface Backoff {
    @WithDefault("5s")
    Duration initial();

    @WithDefault("5m")
    Duration max();
  }

  /** With several replicas, only the holder of the Lease reconciles. */
  interface LeaderElection {
    @WithDefault("false")
    boolean enabled();

    /** Namespace of the Lease; the operator's own namespace in a cluster. */
    Optional<String> leaseNamespace();
  }
}
