package io.fleetlm.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.it.Tools;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** FleetLM's Raft groups as one node of the double answers for them, read through its rpc. */
final class RaftViews {

  private RaftViews() {}

  /**
   * Each group's membership as a node's own server answers :ra.members: "ok n1,n2,n3" or ra's
   * error.
   *
   * @param groups how many groups the double runs (FLEETLM_STANDIN_GROUPS)
   */
  static Map<Integer, String> groupsAsSeenBy(String namespace, String pod, int groups) {
    String expression =
        "for g <- 0.."
            + (groups - 1)
            + ", do: IO.puts(\"#{g} \" <> (case :ra.members({String.to_atom(\"raft_group_#{g}\"),"
            + " node()}) do {:ok, ms, _} -> \"ok \" <> Enum.map_join(ms, \",\", fn {_, n} ->"
            + " Atom.to_string(n) end); other -> inspect(other) end))";
    Tools.Result result = RealNode.rpc(namespace, pod, expression);
    assertThat(result.exitCode()).as(result.output()).isZero();
    Map<Integer, String> view = new TreeMap<>();
    for (String line : result.output().split("\n")) {
      String[] parts = line.strip().split(" ", 2);
      if (parts.length == 2 && parts[0].matches("[0-9]+")) {
        view.put(Integer.parseInt(parts[0]), parts[1]);
      }
    }
    assertThat(view).as("%s answered for every group: %s", pod, result.output()).hasSize(groups);
    return view;
  }

  /** The members in an answer as {@link #groupsAsSeenBy} gives it ("ok n1,n2,n3"), sorted. */
  static List<String> membersOf(String answer) {
    assertThat(answer).startsWith("ok ");
    return Arrays.stream(answer.substring(3).split(",")).sorted().toList();
  }
}
