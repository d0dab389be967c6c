package io.fleetlm.operator.status;

import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.ReleaseRecord;
import io.fleetlm.operator.rollout.ClusterState;
import io.fleetlm.operator.rollout.MigrationProgress;
import io.fleetlm.operator.rollout.RolloutState;
import java.time.Instant;
import java.util.List;

/**
 * Everything one reconcile learned, from which the status is computed.
 *
 * @param rollout the Deployment as it stands after this reconcile's writes, judged against the spec
 * @param cluster the Services and how many pods are cluster members
 */
public record StatusInputs(
    FleetlmRelease release,
    String targetMigrationId,
    String verifiedMigrationId,
    String migrationJob,
    MigrationProgress migration,
    RolloutState rollout,
    ClusterState cluster,
    List<ReleaseRecord> history,
    Instant now) {}
