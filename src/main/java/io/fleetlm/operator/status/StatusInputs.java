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
 * @param database the database the spec names now (host:port/name), null when its Secret names none
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
    ClusterState cluster,
    List<ReleaseRecord> history,
    Instant now) {}
