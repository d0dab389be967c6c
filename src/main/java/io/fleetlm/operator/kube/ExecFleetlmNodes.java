package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fleetlm.operator.rollout.RaftConvergence.Answer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks FleetLM nodes through {@code kubectl exec}'s API: the image's entrypoint hands any command
 * other than {@code start} to the release binary, whose {@code rpc} evaluates an expression inside
 * the running node. About 0.25 s of wall time and 0.3 s of CPU in the pod a call (issue 33), so it
 * is asked only while the cluster changes.
 */
public final class ExecFleetlmNodes implements FleetlmNodes {

  /** FleetLM's image (its Dockerfile's ENTRYPOINT). */
  static final String ENTRYPOINT = "/app/entrypoint.sh";

  static final String JOINED = "IO.inspect(Fleetlm.Runtime.RaftTopology.ready?())";

  /**
   * Each of FleetLM's 256 groups ({@code @num_groups} in raft_manager.ex) the node runs a server
   * of, as that server answers {@code :ra.members}, a line each: {@code <group> ok
   * <node>,<node>,...} or {@code <group> <ra's answer>}. Two seconds a group at most: one without a
   * leader times out.
   */
  static final String GROUPS =
      "Enum.each(0..255, fn g -> case :ra.members({String.to_atom(\"raft_group_#{g}\"), node()},"
          + " 2000) do {:error, :noproc} -> :ok; {:ok, ms, _} -> IO.puts(\"#{g} ok \" <>"
          + " Enum.map_join(ms, \",\", fn {_, n} -> Atom.to_string(n) end)); other ->"
          + " IO.puts(\"#{g} \" <> inspect(other)) end end)";

  /**
   * Each group placed on the node ({@code should_participate?}) that it is not a member of, a line
   * each: {@code <group> no server} or {@code <group> unlisted}.
   */
  static final String UNJOINED =
      "Enum.each(0..255, fn g -> if Fleetlm.Runtime.RaftManager.should_participate?(g) do case"
          + " :ra.members({String.to_atom(\"raft_group_#{g}\"), node()}, 2000) do {:error,"
          + " :noproc} -> IO.puts(\"#{g} no server\"); {:ok, ms, _} -> if not Enum.any?(ms, fn {_,"
          + " n} -> n == node() end), do: IO.puts(\"#{g} unlisted\"); _ -> :ok end end end)";

  private final KubernetesClient client;
  private final Duration timeout;

  public ExecFleetlmNodes(KubernetesClient client, Duration timeout) {
    this.client = client;
    this.timeout = timeout;
  }

  @Override
  public boolean joined(Pod pod) {
    return rpc(pod, JOINED).strip().endsWith("true");
  }

  @Override
  public List<Answer> groups(Pod pod) {
    return parseGroups(rpc(pod, GROUPS));
  }

  @Override
  public List<Integer> unjoinedGroups(Pod pod) {
    return parseUnjoined(rpc(pod, UNJOINED));
  }

  static List<Integer> parseUnjoined(String output) {
    return output
        .lines()
        .map(String::strip)
        .filter(line -> line.matches("[0-9]{1,3} (no server|unlisted)"))
        .map(line -> Integer.parseInt(line.substring(0, line.indexOf(' '))))
        .toList();
  }

  static List<Answer> parseGroups(String output) {
    List<Answer> answers = new ArrayList<>();
    for (String line : output.split("\n")) {
      String[] parts = line.strip().split(" ", 2);
      if (parts.length < 2 || !parts[0].matches("[0-9]{1,3}")) {
        continue;
      }
      int group = Integer.parseInt(parts[0]);
      if (parts[1].startsWith("ok ")) {
        answers.add(Answer.listing(group, Arrays.asList(parts[1].substring(3).split(","))));
      } else {
        answers.add(Answer.failing(group, parts[1]));
      }
    }
    return answers;
  }

  private String rpc(Pod pod, String expression) {
    String name = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (ExecWatch watch =
        client
            .pods()
            .inNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName())
            .inContainer(ResourceNames.APP_CONTAINER)
            .writingOutput(out)
            .writingError(err)
            .exec(ENTRYPOINT, "rpc", expression)) {
      Integer code = watch.exitCode().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (code == null || code != 0) {
        throw new NodeUnreachableException(
            "the FleetLM node in pod "
                + name
                + " did not answer (rpc exited "
                + code
                + "): "
                + last(
                    err.toString(StandardCharsets.UTF_8) + out.toString(StandardCharsets.UTF_8)));
      }
      return out.toString(StandardCharsets.UTF_8);
    } catch (TimeoutException e) {
      throw new NodeUnreachableException(
          "the FleetLM node in pod "
              + name
              + " did not answer within "
              + timeout.toSeconds()
              + " s");
    } catch (ExecutionException | KubernetesClientException e) {
      throw new NodeUnreachableException("could not exec in pod " + name + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeUnreachableException("interrupted while asking pod " + name);
    }
  }

  /** The end of what the command printed, enough to say why. */
  private static String last(String output) {
    String trimmed = output.strip();
    return trimmed.length() <= 300 ? trimmed : "..." + trimmed.substring(trimmed.length() - 300);
  }
}
