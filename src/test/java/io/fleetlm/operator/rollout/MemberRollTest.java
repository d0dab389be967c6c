package io.fleetlm.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.fleetlm.operator.rollout.MemberRoll.Await;
import io.fleetlm.operator.rollout.MemberRoll.Member;
import io.fleetlm.operator.rollout.MemberRoll.Refused;
import io.fleetlm.operator.rollout.MemberRoll.Settled;
import io.fleetlm.operator.rollout.MemberRoll.Start;
import io.fleetlm.operator.rollout.MemberRoll.Step;
import io.fleetlm.operator.rollout.MemberRoll.Stop;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class MemberRollTest {

  private static final Function<List<Member>, Optional<String>> AGREED =
      running -> Optional.empty();

  /** What {@link Member#ended()} says of a node that runs. */
  private static final Optional<String> RUNNING = Optional.empty();

  @Test
  void aFirstStartAddsOneNodeAtATimeEachFindingTheOnesBefore() {
    List<Member> members = new ArrayList<>();

    assertThat(next(members, 3, AGREED)).isEqualTo(new Start(1, List.of()));
    members.add(joined(1, true));
    assertThat(next(members, 3, AGREED)).isEqualTo(new Start(2, List.of(node(1))));
    members.add(joined(2, true));
    assertThat(next(members, 3, AGREED)).isEqualTo(new Start(3, List.of(node(1), node(2))));
    members.add(joined(3, true));
    assertThat(next(members, 3, AGREED)).isInstanceOf(Settled.class);
  }

  @Test
  void nothingChangesWhileANodeHasNotJoinedItsGroups() {
    List<Member> members =
        List.of(joined(1, true), new Member(pod(2), 2, node(2), true, false, false, RUNNING));

    Step step = next(members, 3, running -> fail("asked the groups before every node joined"));

    assertThat(step)
        .isEqualTo(
            new Await(
                "node " + node(2) + " (pod " + pod(2) + ") to join its Raft groups",
                Optional.of(members.get(1))));
  }

  @Test
  void nothingChangesWhileAPodHasNoIpOrIsStopping() {
    assertThat(
            next(
                List.of(joined(1, true), new Member(pod(2), 2, null, true, false, false, RUNNING)),
                3,
                AGREED))
        .isEqualTo(new Await("pod " + pod(2) + " to get an IP and start its node"));
    assertThat(
            next(
                List.of(
                    joined(2, true),
                    joined(3, true),
                    new Member(pod(1), 1, node(1), false, true, true, RUNNING)),
                3,
                AGREED))
        .isEqualTo(new Await("pod " + pod(1) + " to stop"));
  }

  /**
   * A node whose container ended is stopped at once, before anything else waits on it, and is
   * replaced under a new name once its groups let it go: never restarted as itself.
   */
  @Test
  void aNodeThatEndedIsStoppedAndReplacedAboveEveryOther() {
    Member ended = new Member(pod(1), 1, node(1), true, false, false, Optional.of("exit code 1"));
    List<Member> members = List.of(ended, joined(2, true), joined(3, true));

    assertThat(next(members, 3, running -> fail("asked the groups of an ended node")))
        .isEqualTo(new Stop(ended, "its node ended (exit code 1); a new node replaces it"));
    assertThat(next(List.of(joined(2, true), joined(3, true)), 3, AGREED))
        .isEqualTo(new Start(4, List.of(node(2), node(3))));
  }

  @Test
  void nothingChangesWhileAGroupStillListsANodeThatLeft() {
    String disagreement = "Raft group 7 (as n2 answers) still lists " + node(1);

    Step step =
        next(List.of(joined(2, false), joined(3, false)), 3, running -> Optional.of(disagreement));

    assertThat(step).isEqualTo(new Await("FleetLM's groups to agree: " + disagreement));
  }

  /**
   * The whole roll of three, each step taken on what it leaves behind: one node out, then its
   * replacement in, oldest first, every newcomer above every survivor.
   */
  @Test
  void aRollOfThreeReplacesTheOldestNodeOneAtATimeUnderRisingSerials() {
    List<Member> members =
        new ArrayList<>(List.of(joined(1, false), joined(2, false), joined(3, false)));
    List<Step> steps = new ArrayList<>();

    for (Step step = next(members, 3, AGREED);
        !(step instanceof Settled);
        step = next(members, 3, AGREED)) {
      steps.add(step);
      if (step instanceof Stop stop) {
        assertThat(members).as("never two nodes out").hasSize(3);
        members.remove(stop.member());
      } else if (step instanceof Start start) {
        assertThat(members).hasSize(2);
        int highest = members.stream().mapToInt(Member::serial).max().orElseThrow();
        assertThat(start.serial()).as("sorts above every survivor").isGreaterThan(highest);
        members.add(joined(start.serial(), true));
      } else {
        fail("unexpected step " + step);
      }
    }

    assertThat(steps)
        .extracting(
            s ->
                s instanceof Stop stop
                    ? "stop " + stop.member().serial()
                    : "start " + ((Start) s).serial())
        .containsExactly("stop 1", "start 4", "stop 2", "start 5", "stop 3", "start 6");
    assertThat(steps.get(3)).isEqualTo(new Start(5, List.of(node(3), node(4))));
  }

  /**
   * At two nodes a group that loses one member has no majority left to let it go: each new node
   * joins first, making three, and only then does an old one stop.
   */
  @Test
  void aRollOfTwoStartsEachReplacementBeforeTheOldNodeStops() {
    List<Member> members = new ArrayList<>(List.of(joined(1, false), joined(2, false)));
    List<String> steps = new ArrayList<>();

    for (Step step = next(members, 2, AGREED);
        !(step instanceof Settled);
        step = next(members, 2, AGREED)) {
      if (step instanceof Stop stop) {
        assertThat(members).as("a group of two never loses a member").hasSize(3);
        members.remove(stop.member());
        steps.add("stop " + stop.member().serial());
      } else if (step instanceof Start start) {
        assertThat(members).as("never above three nodes").hasSize(2);
        members.add(joined(start.serial(), true));
        steps.add("start " + start.serial());
      } else {
        fail("unexpected step " + step);
      }
    }

    assertThat(steps).containsExactly("start 3", "stop 1", "start 4", "stop 2");
  }

  @Test
  void aScaleDownStopsAnOldNodeFirstOtherwiseTheNewest() {
    assertThat(next(List.of(joined(1, true), joined(2, false), joined(3, true)), 2, AGREED))
        .isEqualTo(new Stop(joined(2, false), "the spec asks for 2 nodes, 3 run"));
    assertThat(next(List.of(joined(1, true), joined(2, true), joined(3, true)), 2, AGREED))
        .isEqualTo(new Stop(joined(3, true), "the spec asks for 2 nodes, 3 run"));
  }

  /**
   * From two nodes to one, every group would be left with one of two members: nothing is stopped,
   * neither on a scale-down nor in a roll, and from three the roll does not go down to two first.
   */
  @Test
  void oneNodeFromTwoOrMoreIsRefusedAndNothingStops() {
    Step fromTwo = next(List.of(joined(1, true), joined(2, true)), 1, AGREED);
    Step rollOfTwo = next(List.of(joined(1, false), joined(2, false)), 1, AGREED);
    Step fromThree = next(List.of(joined(1, true), joined(2, true), joined(3, true)), 1, AGREED);

    assertThat(fromTwo).isInstanceOf(Refused.class);
    assertThat(fromTwo.describe()).startsWith("FleetLM cannot go from 2 nodes to 1");
    assertThat(rollOfTwo).isInstanceOf(Refused.class);
    assertThat(fromThree.describe()).startsWith("FleetLM cannot go from 3 nodes to 1");
    assertThat(next(List.of(joined(1, false)), 1, AGREED))
        .as("a single node is replaced as before")
        .isEqualTo(new Stop(joined(1, false), "replaced by a node of the current release"));
  }

  /**
   * No node wanted: every node stops, newest first, one a pass, without waiting for the one before
   * to go or for FleetLM to say anything; once they are stopping only their going is awaited.
   */
  @Test
  void noNodeWantedStopsEveryNodeWithoutAskingFleetlm() {
    Function<List<Member>, Optional<String>> notAsked =
        running -> fail("FleetLM asked while every node stops");
    Member stoppingThree = new Member(pod(3), 3, node(3), true, true, false, RUNNING);
    Member stoppingOne = new Member(pod(1), 1, node(1), true, true, false, RUNNING);
    Member unjoined = new Member(pod(2), 2, node(2), true, false, false, RUNNING);

    assertThat(next(List.of(joined(1, true), unjoined, joined(3, true)), 0, notAsked))
        .isEqualTo(new Stop(joined(3, true), "the spec asks for no node"));
    assertThat(next(List.of(joined(1, true), unjoined, stoppingThree), 0, notAsked))
        .isEqualTo(new Stop(unjoined, "the spec asks for no node"));
    assertThat(next(List.of(stoppingOne, stoppingThree), 0, notAsked))
        .isEqualTo(new Await("pod " + pod(1) + " to stop"));
    assertThat(next(List.of(), 0, notAsked)).isInstanceOf(Settled.class);
  }

  @Test
  void theNextSerialIsAboveEveryPodStillThereStoppingOnesIncluded() {
    List<Member> members =
        List.of(joined(4, true), new Member(pod(9), 9, node(9), false, true, true, RUNNING));

    assertThat(MemberRoll.highestSerial(members, 0)).isEqualTo(9);
    assertThat(MemberRoll.highestSerial(List.of(), 0)).isZero();
  }

  /**
   * The only node ended and its pod is gone: its replacement is numbered above the last node the
   * status recorded, not 1 again.
   */
  @Test
  void aNodeStartedAfterEveryPodIsGoneIsNumberedAboveTheLastOneStarted() {
    assertThat(MemberRoll.next(List.of(), 1, 7, AGREED)).isEqualTo(new Start(8, List.of()));
  }

  /** Its container ended, a stopping pod holds nothing: the roll goes on without it. */
  @Test
  void aStoppingPodWhoseNodeEndedIsNotWaitedFor() {
    Member gone = new Member(pod(1), 1, node(1), true, true, false, Optional.of("exit code 1"));

    assertThat(MemberRoll.next(List.of(gone), 1, 1, AGREED)).isEqualTo(new Start(2, List.of()));
  }

  /**
   * A node the status does not record yet is not stopped: were the operator to stop there before
   * writing the status, the next node would be numbered as that one.
   */
  @Test
  void aNodeIsNotStoppedBeforeTheStatusRecordsTheHighestSerial() {
    Member ended = new Member(pod(3), 3, node(3), true, false, false, Optional.of("exit code 1"));

    assertThat(MemberRoll.next(List.of(ended), 1, 2, AGREED))
        .isEqualTo(new Await("the release's status to record node 3"));
    assertThat(MemberRoll.next(List.of(ended), 1, 3, AGREED)).isInstanceOf(Stop.class);
  }

  /** The status kept up with the pods: the highest serial started is the highest still there. */
  private static Step next(
      List<Member> members, int wanted, Function<List<Member>, Optional<String>> unconverged) {
    return MemberRoll.next(members, wanted, MemberRoll.highestSerial(members, 0), unconverged);
  }

  private static Member joined(int serial, boolean current) {
    return new Member(pod(serial), serial, node(serial), current, false, true, RUNNING);
  }

  private static String pod(int serial) {
    return "chat-" + serial;
  }

  private static String node(int serial) {
    return String.format("fleetlm_%05d@10.0.0.%d", serial, serial);
  }
}
