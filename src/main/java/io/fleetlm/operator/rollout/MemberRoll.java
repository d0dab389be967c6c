package io.fleetlm.operator.rollout;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The next step for a clustered release whose FleetLM nodes the operator starts one pod at a time,
 * each node named with a serial above every earlier node's (issue 33). FleetLM's coordinator
 * changes only the Raft groups it hosts, and a node whose name sorts lowest of a group's replica
 * set calls {@code :ra.start_cluster} for a group that already runs elsewhere and never serves it
 * ({@code raft_topology.ex@f402d43}). So a newcomer must sort above every survivor, and the cluster
 * changes by one node at a time, each change only once FleetLM itself says the last one is done:
 * every node has joined its groups ({@code ready?()}) and no group lists a node that is gone.
 *
 * <p>A pure function of what is observed, so an operator restarted mid-step takes the same step
 * again: it never starts a second node before the first one has joined, nor stops a second one
 * before the groups dropped the first.
 */
public final class MemberRoll {

  private MemberRoll() {}

  /**
   * One node's pod, as observed.
   *
   * @param serial the number in its name: higher is started later, and sorts higher
   * @param node its Erlang node name, or null while the pod has no IP
   * @param current whether it runs the release the spec wants now (image, settings)
   * @param terminating the pod is being deleted
   * @param joined FleetLM says the node holds all its groups ({@code ready?()})
   * @param ended how its container ended (exit code and reason), empty while it runs; it is never
   *     restarted (the pod's restartPolicy is Never)
   */
  public record Member(
      String pod,
      int serial,
      String node,
      boolean current,
      boolean terminating,
      boolean joined,
      Optional<String> ended) {

    boolean hasEnded() {
      return ended.isPresent();
    }
  }

  /** What to do now; at most one change to the cluster per step. */
  public sealed interface Step permits Start, Stop, Await, Refused, Settled {

    /** The step in words, for status. */
    String describe();
  }

  /** Start the node of this serial, its peers the running nodes (CLUSTER_NODES). */
  public record Start(int serial, List<String> peers) implements Step {
    @Override
    public String describe() {
      return "starting node " + serial + " with peers " + peers;
    }
  }

  /** Stop this node. */
  public record Stop(Member member, String why) implements Step {
    @Override
    public String describe() {
      return "stopping node " + member.node() + " (pod " + member.pod() + "): " + why;
    }
  }

  /**
   * Change nothing until this holds.
   *
   * @param joining the node whose joining its groups is awaited, if that is what is awaited
   */
  public record Await(String what, Optional<Member> joining) implements Step {

    public Await(String what) {
      this(what, Optional.empty());
    }

    /** The same wait, with FleetLM's account of why it lasts. */
    public Await because(String why) {
      return new Await(what + ": " + why, joining);
    }

    @Override
    public String describe() {
      return "waiting for " + what;
    }
  }

  /**
   * The spec asks for what FleetLM cannot do without losing Raft groups: nothing changes, and the
   * release says so at once instead of waiting out a deadline.
   */
  public record Refused(String why) implements Step {
    @Override
    public String describe() {
      return why;
    }
  }

  /** Every node runs the current release, at the wanted count, and the groups agree. */
  public record Settled() implements Step {
    @Override
    public String describe() {
      return "every node runs the current release and FleetLM's groups agree";
    }
  }

  /**
   * @param members every pod of the release's nodes, stopping ones included
   * @param wanted the nodes the spec asks for
   * @param lastSerial the highest serial the release's status records as started: a new node is
   *     numbered above it even when every pod is gone, so no node name is ever used twice
   * @param unconverged what FleetLM's groups still disagree on with these running nodes (a group
   *     listing a node that is gone, or without a leader), asked only once every running node has
   *     joined; empty when they agree
   */
  public static Step next(
      List<Member> members,
      int wanted,
      int lastSerial,
      Function<List<Member>, Optional<String>> unconverged) {
    Step step = beforeRecording(members, wanted, lastSerial, unconverged);
    int highest = highestSerial(members, 0);
    if (step instanceof Stop && highest > lastSerial) {
      // Stopped before the status records it, a node that was the last one started could be
      // followed by one under its name: the status written after this pass records it.
      return new Await("the release's status to record node " + highest);
    }
    return step;
  }

  private static Step beforeRecording(
      List<Member> members,
      int wanted,
      int lastSerial,
      Function<List<Member>, Optional<String>> unconverged) {
    if (wanted == 0) {
      return stopEveryNode(members);
    }
    // A pod whose node ended holds nothing while it goes: only a running one is waited for.
    Optional<Member> stopping =
        members.stream().filter(m -> m.terminating() && !m.hasEnded()).findFirst();
    if (stopping.isPresent()) {
      return new Await("pod " + stopping.get().pod() + " to stop");
    }
    // A node is never restarted under its name: restarted, it would start every group again with
    // an empty log under a server id its groups still list, and as the lowest node of a replica
    // set it would call :ra.start_cluster for groups that run elsewhere (fleetlm-runtime-facts
    // Q6, Q6b). Its pod goes, and a node named above every other replaces it.
    Optional<Member> ended =
        members.stream().filter(m -> m.hasEnded() && !m.terminating()).findFirst();
    if (ended.isPresent()) {
      return new Stop(
          ended.get(),
          "its node ended (" + ended.get().ended().orElseThrow() + "); a new node replaces it");
    }
    List<Member> running =
        members.stream()
            .filter(m -> !m.terminating())
            .sorted(Comparator.comparingInt(Member::serial))
            .toList();
    for (Member member : running) {
      if (member.node() == null) {
        return new Await("pod " + member.pod() + " to get an IP and start its node");
      }
      if (!member.joined()) {
        return new Await(
            "node " + member.node() + " (pod " + member.pod() + ") to join its Raft groups",
            Optional.of(member));
      }
    }
    if (!running.isEmpty()) {
      Optional<String> disagreement = unconverged.apply(running);
      if (disagreement.isPresent()) {
        return new Await("FleetLM's groups to agree: " + disagreement.get());
      }
    }
    if (wanted == 1 && running.size() >= 2) {
      return new Refused(cannotShrinkToOne(running.size()));
    }
    Optional<Member> oldest = running.stream().filter(m -> !m.current()).findFirst();
    if (running.size() > wanted) {
      Member leaving = oldest.orElse(running.get(running.size() - 1));
      return new Stop(
          leaving, "the spec asks for " + wanted + " nodes, " + running.size() + " run");
    }
    if (running.size() < wanted || replacesBeforeStopping(wanted, running, oldest)) {
      return new Start(
          highestSerial(members, lastSerial) + 1, running.stream().map(Member::node).toList());
    }
    if (oldest.isPresent()) {
      return new Stop(oldest.get(), "replaced by a node of the current release");
    }
    return new Settled();
  }

  /**
   * Zero nodes: there is no cluster left to keep, so nothing waits for a node to join or for
   * FleetLM's groups to agree (the last two nodes could not keep them whole anyway): one node stops
   * each pass, the newest first, whether or not the one before has gone yet.
   */
  private static Step stopEveryNode(List<Member> members) {
    Optional<Member> next =
        members.stream().filter(m -> !m.terminating()).max(Comparator.comparingInt(Member::serial));
    if (next.isPresent()) {
      return new Stop(next.get(), "the spec asks for no node");
    }
    return members.stream()
        .filter(m -> !m.hasEnded())
        .findFirst()
        .<Step>map(m -> new Await("pod " + m.pod() + " to stop"))
        .orElseGet(Settled::new);
  }

  /**
   * From two nodes to one, every group keeps the leaving node as a member and has one of two
   * members left: no majority to elect a leader or to commit the removal, and FleetLM removes a
   * member only once it is gone (fleetlm-runtime-facts Q9). Stopping nodes down to two first would
   * only come to the same point, so nothing is stopped.
   */
  private static String cannotShrinkToOne(int running) {
    return "FleetLM cannot go from "
        + running
        + " nodes to 1: with two nodes every Raft group has both as members, so the one that"
        + " leaves takes its groups' majority with it, and FleetLM removes a member only after it"
        + " is gone. The "
        + running
        + " nodes keep running. Set spec.replicas to 2 or more, or to 0 and then 1 (a new"
        + " single node: Raft state FleetLM has not written to the database is lost)";
  }

  /**
   * Two nodes: both members of every group are its majority, and FleetLM takes a member out only
   * once it is gone (nothing leaves Raft at shutdown: fleetlm-runtime-facts Q9, Q6b), so a group
   * that lost one of two could never let it go. The replacement joins first, making three (where
   * FleetLM's coordinator still hosts every group), and the old node then leaves a group of three.
   * At one node there is no majority to keep, and from three up a group of three keeps two.
   */
  private static boolean replacesBeforeStopping(
      int wanted, List<Member> running, Optional<Member> oldest) {
    return wanted == 2 && running.size() == wanted && oldest.isPresent();
  }

  /**
   * The highest serial of any pod still there, stopping ones included, or {@code atLeast}: the next
   * node is numbered above it, so its name sorts above every running node's.
   */
  public static int highestSerial(List<Member> members, int atLeast) {
    return Math.max(atLeast, members.stream().mapToInt(Member::serial).max().orElse(0));
  }
}
