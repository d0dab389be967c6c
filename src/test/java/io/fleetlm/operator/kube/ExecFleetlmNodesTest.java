package io.fleetlm.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.rollout.RaftConvergence.Answer;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExecFleetlmNodesTest {

  @Test
  void eachLineIsAGroupsMembersOrRasAnswerAndAnythingElseIsSkipped() {
    String printed =
        "warning: the VM is running with native name encoding of latin1\n"
            + "0 ok fleetlm_00001@10.0.0.1,fleetlm_00002@10.0.0.2,fleetlm_00003@10.0.0.3\n"
            + "7 {:timeout, {:raft_group_7, :\"fleetlm_00002@10.0.0.2\"}}\n"
            + ":ok\n";

    assertThat(ExecFleetlmNodes.parseGroups(printed))
        .containsExactly(
            Answer.listing(
                0,
                List.of(
                    "fleetlm_00001@10.0.0.1", "fleetlm_00002@10.0.0.2", "fleetlm_00003@10.0.0.3")),
            Answer.failing(7, "{:timeout, {:raft_group_7, :\"fleetlm_00002@10.0.0.2\"}}"));
  }

  @Test
  void theGroupsANodeLacksAreReadFromWhatItPrinted() {
    String printed = "warning: something\n3 no server\n9 unlisted\n:ok\n";

    assertThat(ExecFleetlmNodes.parseUnjoined(printed)).containsExactly(3, 9);
    assertThat(ExecFleetlmNodes.parseUnjoined(":ok\n")).isEmpty();
  }
}
