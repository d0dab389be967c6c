package io.fleetlm.operator.rollout;

import io.fleetlm.operator.api.Reason;
import io.fleetlm.operator.rollout.MemberRoll.Await;
import io.fleetlm.operator.rollout.MemberRoll.Refused;
import io.fleetlm.operator.rollout.MemberRoll.Settled;
import io.fleetlm.operator.rollout.MemberRoll.Step;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the roll of a clustered release's FleetLM nodes stands ({@link MemberRoll}), for status.
 *
 * @param step the step this pass judged; empty when none was (the release is not verified yet)
 * @param waited how long the roll has waited on the same pods for the same kind of answer
 * @param deadline how long it may wait so before it stops and says so
 * @param lastSerial the highest serial of any node started for the release, this pass's included,
 *     for the status to record (0 before the first)
 */
public record NodeRollProgress(
    Optional<Step> step, Duration waited, Duration deadline, int lastSerial) {

  public static NodeRollProgress notJudged(int lastSerial) {
    return new NodeRollProgress(Optional.empty(), Duration.ZERO, Duration.ZERO, lastSerial);
  }

  /** The same, waiting as told now. */
  public NodeRollProgress waitingBecause(Await told) {
    return new NodeRollProgress(Optional.of(told), waited, deadline, lastSerial);
  }

  /** The same, once the node of this serial was started. */
  public NodeRollProgress started(int serial) {
    return new NodeRollProgress(step, waited, deadline, Math.max(lastSerial, serial));
  }

  /** Every node runs the current release, at the wanted count, and FleetLM's groups agree. */
  public boolean settled() {
    return step.filter(Settled.class::isInstance).isPresent();
  }

  /**
   * The roll waits for FleetLM and has not moved for longer than the deadline: no new pod, none
   * gone. FleetLM's coordinator never changes a group it does not host (issue 33), so such a wait
   * can last forever; the roll still takes its step if FleetLM's answer comes.
   */
  public boolean stalled() {
    return refused()
        || step.filter(Await.class::isInstance).isPresent() && waited.compareTo(deadline) > 0;
  }

  /** Why the roll stopped, once it has: refused by the operator, or waited on FleetLM too long. */
  public Reason stalledReason() {
    return refused() ? Reason.ClusterCannotShrink : Reason.ClusterNotConverging;
  }

  /** The spec asks for what FleetLM cannot do safely; nothing changes until the spec does. */
  public boolean refused() {
    return step.filter(Refused.class::isInstance).isPresent();
  }

  public String describe() {
    String now =
        step.map(Step::describe).orElse("the nodes are not changed until the release is verified");
    if (stalled() && !refused()) {
      // No figure that grows: the status is written only when it changes.
      return "no progress for more than "
          + deadline.toSeconds()
          + " s, "
          + now
          + ". FleetLM-era images cannot change a Raft group their coordinator does not host, so"
          + " this may never come by itself: at most 3 replicas avoid it; otherwise change the"
          + " named groups by hand (:ra.remove_member of a departed node, :ra.add_member of a"
          + " newcomer, through the release's rpc on a node that hosts the group), and the roll"
          + " goes on";
    }
    return now;
  }
}
