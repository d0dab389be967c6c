package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.Pod;
import io.fleetlm.operator.rollout.RaftConvergence.Answer;
import java.util.List;

/**
 * What a running FleetLM node says of its own Raft membership, asked inside its container through
 * the release's {@code rpc} command: the only account of it there is (FleetLM serves no health
 * route, fleetlm-runtime-facts Q6 and Q7). Polled, never watched: it cannot be.
 */
public interface FleetlmNodes {

  /** {@code Fleetlm.Runtime.RaftTopology.ready?()}: the node holds all its groups. */
  boolean joined(Pod pod);

  /**
   * {@code :ra.members} of each group the node runs a server of, as that server answers it; a group
   * it runs no server of ({:error, :noproc}) is left out.
   *
   * @throws NodeUnreachableException when the node did not answer
   */
  List<Answer> groups(Pod pod);

  /**
   * The groups FleetLM places on the node ({@code Fleetlm.Runtime.RaftManager.should_participate?})
   * that it is not a member of: no server of it runs there, or its server's membership leaves the
   * node out. Why a node has not joined.
   *
   * @throws NodeUnreachableException when the node did not answer
   */
  List<Integer> unjoinedGroups(Pod pod);

  final class NodeUnreachableException extends RuntimeException {
    public NodeUnreachableException(String message) {
      super(message);
    }
  }
}
