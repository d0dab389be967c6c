package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fleetlm.operator.kube.FleetlmNodes;
import io.fleetlm.operator.rollout.RaftConvergence.Answer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** FleetLM nodes as a unit test says they answer: by pod name, joined or not, and their groups. */
final class FakeFleetlmNodes implements FleetlmNodes {

  final Set<String> joined = new HashSet<>();
  final Map<String, List<Answer>> groups = new HashMap<>();
  final List<String> asked = new ArrayList<>();

  /** By pod: the groups placed on it that it is not a member of. */
  final Map<String, List<Integer>> unjoined = new HashMap<>();

  @Override
  public boolean joined(Pod pod) {
    asked.add("joined " + pod.getMetadata().getName());
    return joined.contains(pod.getMetadata().getName());
  }

  @Override
  public List<Answer> groups(Pod pod) {
    asked.add("groups " + pod.getMetadata().getName());
    List<Answer> answers = groups.get(pod.getMetadata().getName());
    if (answers == null) {
      throw new NodeUnreachableException(pod.getMetadata().getName() + " did not answer");
    }
    return answers;
  }

  @Override
  public List<Integer> unjoinedGroups(Pod pod) {
    asked.add("unjoined " + pod.getMetadata().getName());
    return unjoined.getOrDefault(pod.getMetadata().getName(), List.of());
  }
}
