package io.fleetlm.operator.status;

import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.rollout.ClusterState;
import io.fleetlm.operator.rollout.MigrationProgress;
import io.fleetlm.operator.rollout.NodeRollProgress;
import io.fleetlm.operator.rollout.RolloutState;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Everything one reconcile learned, from which the status is computed.
 *
 * @param rollout the Deployment as it stands after this reconcile's writes, judged against the spec
 * @param database the database the spec names now (host:port/name), null when its Secret names none
 * @param nodeRoll where the roll of the release's FleetLM nodes stands, when the operator starts
 *     them itself (clusterRoll nodes); empty when a Deployment runs the release
 * @param cluster the Services and how many pods are cluster members
 */
public record StatusInputs(
    FleetlmRelease release,
    String targetMigrationId,
    String verifiedMigrationId,
    String database,
    String migrationJob,
    MigrationProgress migration,
    RolloutState rollout,
    Optional<NodeRollProgress> nodeRoll,
    ClusterState cluster,
    List<ReleaseRecord> history,
    Instant now) {}
