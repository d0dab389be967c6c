package io.fleetlm.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.rollout.RaftConvergence.Answer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RaftConvergenceTest {

  private static final List<String> THREE = List.of("n2", "n3", "n4");

  @Test
  void groupsThatListExactlyRunningNodesAgree() {
    Map<String, List<Answer>> answers =
        Map.of(
            "n2", List.of(Answer.listing(0, THREE), Answer.listing(1, THREE)),
            "n3", List.of(Answer.listing(0, THREE)));

    assertThat(RaftConvergence.firstDisagreement(answers, THREE)).isEmpty();
  }

  @Test
  void aGroupStillListingANodeThatLeftIsNamedWithTheNode() {
    Map<String, List<Answer>> answers =
        Map.of(
            "n2", List.of(Answer.listing(0, THREE), Answer.listing(5, List.of("n1", "n2", "n3"))));

    assertThat(RaftConvergence.firstDisagreement(answers, THREE))
        .hasValueSatisfying(
            problem ->
                assertThat(problem)
                    .startsWith(
                        "Raft group 5 (as n2 answers) still lists n1, which no longer runs"));
  }

  @Test
  void aGroupWithoutALeaderIsNamedWithRasAnswer() {
    Map<String, List<Answer>> answers =
        Map.of("n3", List.of(Answer.failing(2, "{:timeout, {:raft_group_2, :n3}}")));

    assertThat(RaftConvergence.firstDisagreement(answers, THREE))
        .hasValue("Raft group 2 (as n3 answers) has no leader: {:timeout, {:raft_group_2, :n3}}");
  }

  @Test
  void aGroupShortOfMembersDisagreesUntilItHasAsManyAsTheClusterCanGive() {
    Map<String, List<Answer>> twoOfThree =
        Map.of("n2", List.of(Answer.listing(1, List.of("n2", "n3"))));

    assertThat(RaftConvergence.firstDisagreement(twoOfThree, THREE))
        .hasValue("Raft group 1 (as n2 answers) has 2 of 3 members: n2, n3");
    assertThat(RaftConvergence.firstDisagreement(twoOfThree, List.of("n2", "n3")))
        .as("a cluster of two")
        .isEmpty();
  }

  @Test
  void theLowestGroupIsNamedFirst() {
    Map<String, List<Answer>> answers =
        Map.of(
            "n2", List.of(Answer.failing(9, "{:timeout, x}")),
            "n3", List.of(Answer.failing(4, "{:timeout, y}")));

    assertThat(RaftConvergence.firstDisagreement(answers, THREE))
        .hasValueSatisfying(p -> assertThat(p).startsWith("Raft group 4"));
  }
}
