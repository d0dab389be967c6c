package io.fleetlm.operator.rollout;

import io.fleetlm.operator.kube.ClusterWiring;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Whether FleetLM's Raft groups agree with the nodes that run, as the running nodes' own servers
 * answer {@code :ra.members}: every group has a leader and lists only running nodes, and as many as
 * it can (3, FleetLM's replication factor, or every node in a smaller cluster). A group that lists
 * a node that is gone is one failure closer to losing its majority, and FleetLM's coordinator never
 * fixes it if it does not host the group ({@code raft_topology.ex@f402d43}).
 */
public final class RaftConvergence {

  private RaftConvergence() {}

  /**
   * One group as one node's own server answers for it.
   *
   * @param members the members {@code :ra.members} lists, or null when it answered an error
   * @param error ra's answer when it is not a membership ({@code {:timeout, ...}} without a
   *     leader); a node that runs no server of the group is not asked for it
   */
  public record Answer(int group, List<String> members, String error) {

    public static Answer listing(int group, List<String> members) {
      return new Answer(group, List.copyOf(members), null);
    }

    public static Answer failing(int group, String error) {
      return new Answer(group, null, error);
    }
  }

  /**
   * The first disagreement, by group number, or empty.
   *
   * @param answers by node asked: its answer for each group it runs a server of
   * @param running the nodes that run now
   */
  public static Optional<String> firstDisagreement(
      Map<String, List<Answer>> answers, Collection<String> running) {
    Set<String> up = Set.copyOf(running);
    int expected = Math.min(ClusterWiring.FLEETLM_REPLICATION_FACTOR, up.size());
    Map<Integer, String> problems = new TreeMap<>();
    // By node, then by group: the same answers name the same problem.
    new TreeMap<>(answers)
        .forEach(
            (asked, groups) -> {
              for (Answer answer : groups) {
                disagreement(answer, asked, up, expected)
                    .ifPresent(problem -> problems.putIfAbsent(answer.group(), problem));
              }
            });
    return problems.values().stream().findFirst();
  }

  private static Optional<String> disagreement(
      Answer answer, String asked, Set<String> up, int expected) {
    String group = "Raft group " + answer.group() + " (as " + asked + " answers)";
    if (answer.members() == null) {
      return Optional.of(group + " has no leader: " + answer.error());
    }
    Optional<String> gone =
        answer.members().stream().filter(m -> !up.contains(m)).sorted().findFirst();
    if (gone.isPresent()) {
      return Optional.of(
          group
              + " still lists "
              + gone.get()
              + ", which no longer runs; FleetLM's coordinator removes it only from the groups it"
              + " hosts");
    }
    if (answer.members().size() < expected) {
      return Optional.of(
          group
              + " has "
              + answer.members().size()
              + " of "
              + expected
              + " members: "
              + String.join(", ", answer.members()));
    }
    return Optional.empty();
  }
}
