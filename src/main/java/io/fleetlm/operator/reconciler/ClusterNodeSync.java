package io.fleetlm.operator.reconciler;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.kube.ClusterMemberFactory;
import io.fleetlm.operator.kube.ClusterWiring;
import io.fleetlm.operator.kube.FleetlmNodes;
import io.fleetlm.operator.kube.FleetlmNodes.NodeUnreachableException;
import io.fleetlm.operator.kube.KubernetesPort;
import io.fleetlm.operator.kube.OwnerReferences;
import io.fleetlm.operator.kube.ResourceNames;
import io.fleetlm.operator.rollout.MemberRoll;
import io.fleetlm.operator.rollout.MemberRoll.Await;
import io.fleetlm.operator.rollout.MemberRoll.Member;
import io.fleetlm.operator.rollout.MemberRoll.Start;
import io.fleetlm.operator.rollout.MemberRoll.Step;
import io.fleetlm.operator.rollout.MemberRoll.Stop;
import io.fleetlm.operator.rollout.NodeRollProgress;
import io.fleetlm.operator.rollout.RaftConvergence;
import io.fleetlm.operator.rollout.RaftConvergence.Answer;
import io.fleetlm.operator.rollout.RolloutState;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Starts, rolls and stops a clustered release's FleetLM nodes as pods of its own, one change at a
 * time ({@link MemberRoll}), asking the nodes themselves whether the last change is done ({@link
 * FleetlmNodes}). Their answers cannot be watched, so a step that waits on them is looked at again
 * after {@link #RECHECK}; pod events wake it sooner.
 */
final class ClusterNodeSync {

  private static final Logger LOG = Logger.getLogger(ClusterNodeSync.class);

  /** How soon a step waiting on FleetLM's answers asks again. */
  static final Duration RECHECK = Duration.ofSeconds(3);

  /** How soon a stalled node is asked again why it has not joined. */
  private static final Duration EXPLAIN_AGAIN = Duration.ofMinutes(1);

  private final KubernetesPort kube;
  private final FleetlmNodes nodes;

  /**
   * A release not looked at for this long was deleted (a live one is looked at at least every
   * resync): what was remembered of it goes. Forgetting a live one costs only questions asked
   * again.
   */
  private static final Duration FORGET_AFTER = Duration.ofHours(1);

  /** By release: what its nodes said, kept between passes. */
  private final Map<String, NodeMemory> memories = new ConcurrentHashMap<>();

  /**
   * What one release's nodes said, each node known by its incarnation (pod uid and container
   * restarts: a restarted node is a new node to FleetLM).
   */
  private static final class NodeMemory {
    /** Nodes that said they joined (FleetLM's ready?() stays true once true, until a restart). */
    final Set<String> joined = ConcurrentHashMap.newKeySet();

    /** Why a node has not joined, as it last said. */
    final Map<String, Explained> explanations = new ConcurrentHashMap<>();

    /** What nodes answered instead of a yes, already logged. */
    final Set<String> unanswered = ConcurrentHashMap.newKeySet();

    /** The nodes when their groups last agreed: the same nodes need not be asked again. */
    volatile String agreedFor;

    /** Since when the roll has waited on which pods. */
    volatile Waiting waiting;

    volatile Instant seen;

    NodeMemory(Instant now) {
      seen = now;
    }

    /** Forgets nodes that are gone. */
    void keepOnly(Set<String> alive, Instant now) {
      seen = now;
      joined.retainAll(alive);
      explanations.keySet().retainAll(alive);
      unanswered.removeIf(said -> alive.stream().noneMatch(said::startsWith));
    }
  }

  private final Duration stepDeadline;

  /**
   * @param stepDeadline how long the roll may wait on the same pods before the release says it
   *     stalled
   */
  ClusterNodeSync(KubernetesPort kube, FleetlmNodes nodes, Duration stepDeadline) {
    this.kube = kube;
    this.nodes = nodes;
    this.stepDeadline = stepDeadline;
  }

  /**
   * @param progress the step this pass judged (taken only by {@link #sync}), and how long the roll
   *     has waited
   * @param recheck when to look again without an event (zero: only on events)
   */
  record Result(RolloutState rollout, NodeRollProgress progress, Duration recheck) {}

  /**
   * The nodes as they are and the step they call for, changing nothing: the pass that records a new
   * verification, and a paused release.
   *
   * @param verifiedId the release the nodes should run, null while none is verified
   */
  Result observe(Observation observation, String verifiedId, String verifiedImage) {
    return plan(observation, verifiedId, verifiedImage).result(Duration.ZERO);
  }

  Result sync(Observation observation, String verifiedId, String verifiedImage) {
    if (verifiedId == null || verifiedImage == null || observation.paused()) {
      Result observed = observe(observation, verifiedId, verifiedImage);
      // A paused roll waits on nothing: its clock starts again when it resumes.
      memory(observation).waiting = null;
      return observed;
    }
    Plan plan = plan(observation, verifiedId, verifiedImage);
    FleetlmRelease release = observation.release();
    Optional<Deployment> deployment = observation.deployment();
    if (deployment.isPresent() && plan.deploymentPods().isEmpty()) {
      // The last node the Deployment ran has gone: the node roll has taken the cluster over.
      LOG.infof(
          "%s: deleting Deployment %s, which runs no FleetLM node any more",
          observation.name(), deployment.get().getMetadata().getName());
      kube.deleteDeployment(deployment.get());
    }
    Step step = plan.step().orElseThrow();
    Duration recheck = Duration.ZERO;
    if (step instanceof Start start) {
      if (notYetCached(release, plan.pods())) {
        return plan.result(RECHECK);
      }
      LOG.infof(
          "%s: starting FleetLM node %s with peers %s",
          observation.name(),
          ClusterWiring.memberNodeName(release.getSpec(), start.serial()),
          start.peers());
      kube.createPod(
          ClusterMemberFactory.build(
              release, verifiedImage, verifiedId, start.serial(), start.peers()));
      return new Result(plan.rollout(), plan.progress().started(start.serial()), Duration.ZERO);
    } else if (step instanceof Stop stop) {
      LOG.infof(
          "%s: stopping FleetLM node %s: %s", observation.name(), stop.member().node(), stop.why());
      Pod leaving = podOf(plan.pods(), stop.member());
      if (plan.deploymentPods().contains(leaving)) {
        shrink(deployment.orElseThrow(), plan.deploymentPods());
      } else {
        kube.deletePod(leaving);
      }
    } else if (step instanceof Await await) {
      LOG.debugf("%s: waiting for %s", observation.name(), await.what());
      recheck = RECHECK;
    }
    return plan.result(recheck);
  }

  /**
   * A node the Deployment runs leaves as the Deployment keeps one pod fewer: deleted, its pod would
   * be replaced by its ReplicaSet. Which one goes is the ReplicaSet's choice (a pod that is not
   * ready first); every one of them is as old as the others. The Deployment is asked for one pod
   * fewer than run now, never for more than it already asks.
   */
  private void shrink(Deployment deployment, List<Pod> deploymentPods) {
    int running = notTerminating(deploymentPods);
    int asked = Objects.requireNonNullElse(deployment.getSpec().getReplicas(), 1);
    int keep = Math.max(0, Math.min(asked, running - 1));
    if (keep != asked) {
      kube.scaleDeployment(deployment, keep);
    }
  }

  /**
   * What the nodes are and what they call for; a step only once a release is verified.
   *
   * @param pods every node's pod: the Deployment's, then the operator's own
   * @param deploymentPods the pods of a Deployment that ran the cluster before the node roll took
   *     it over, until the last of them has gone
   */
  private record Plan(
      List<Pod> pods,
      List<Pod> deploymentPods,
      RolloutState rollout,
      Optional<Step> step,
      NodeRollProgress progress) {

    Result result(Duration recheck) {
      return new Result(rollout, progress, recheck);
    }
  }

  /** How many of the pods are not being deleted. */
  static int notTerminating(List<Pod> pods) {
    return (int) pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).count();
  }

  /**
   * The pods of the nodes the operator started for this release. The informer finds a release's
   * pods by its owner's name: a node pod left by a deleted release of the same name, until garbage
   * collection takes it, is not this release's.
   */
  static List<Pod> ownPods(KubernetesPort kube, FleetlmRelease release) {
    return kube.clusterNodes(release).stream()
        .filter(pod -> OwnerReferences.controlledBy(pod.getMetadata(), release))
        .toList();
  }

  private Plan plan(Observation observation, String verifiedId, String verifiedImage) {
    FleetlmRelease release = observation.release();
    List<Pod> ownPods = ownPods(kube, release);
    // A cluster taken over from its Deployment: the Deployment's pods are nodes too, older than
    // every node the operator started, until the last of them has left.
    List<Pod> deploymentPods =
        observation.deployment().stream()
            .flatMap(d -> kube.podsOfDeployment(d).stream())
            .filter(pod -> ClusterMemberFactory.serialOf(pod).isEmpty())
            .toList();
    List<Pod> pods = Stream.concat(deploymentPods.stream(), ownPods.stream()).toList();
    Set<String> alive = pods.stream().map(ClusterNodeSync::incarnation).collect(Collectors.toSet());
    NodeMemory memory = memory(observation);
    memory.keepOnly(alive, observation.now());
    memories.values().removeIf(m -> m.seen.plus(FORGET_AFTER).isBefore(observation.now()));
    List<Member> members = members(memory, release, pods, verifiedId, verifiedImage);
    int wanted = wanted(release, members);
    RolloutState rollout = RolloutState.ofNodes(pods, members, wanted);
    int lastSerial = lastSerial(release);
    if (verifiedId == null || verifiedImage == null) {
      memory.waiting = null;
      return new Plan(
          pods,
          deploymentPods,
          rollout,
          Optional.empty(),
          NodeRollProgress.notJudged(MemberRoll.highestSerial(members, lastSerial)));
    }
    String fingerprint = new TreeSet<>(alive).toString();
    Step step =
        MemberRoll.next(
            members,
            wanted,
            lastSerial,
            running -> {
              if (fingerprint.equals(memory.agreedFor)) {
                return Optional.empty();
              }
              Optional<String> disagreement = disagreement(pods, running);
              if (disagreement.isEmpty()) {
                memory.agreedFor = fingerprint;
              }
              return disagreement;
            });
    NodeRollProgress progress =
        explained(
            memory,
            pods,
            progress(
                memory,
                pods,
                step,
                observation.now(),
                MemberRoll.highestSerial(members, lastSerial)),
            observation.now());
    return new Plan(pods, deploymentPods, rollout, progress.step(), progress);
  }

  /**
   * A roll stalled on a node that does not join says which groups it lacks, as the node itself
   * tells: FleetLM's coordinator adds a node only to groups it hosts (Q6b), so those are the groups
   * to fix by hand. Asked at most once a minute a node: a call costs the pod 0.3 s of CPU.
   */
  private NodeRollProgress explained(
      NodeMemory memory, List<Pod> pods, NodeRollProgress progress, Instant now) {
    if (!progress.stalled()
        || !(progress.step().orElseThrow() instanceof Await await)
        || await.joining().isEmpty()) {
      return progress;
    }
    Pod pod = podOf(pods, await.joining().get());
    Explained before = memory.explanations.get(incarnation(pod));
    if (before == null || before.at().plus(EXPLAIN_AGAIN).isBefore(now)) {
      before = new Explained(unjoined(pod), now);
      memory.explanations.put(incarnation(pod), before);
    }
    return progress.waitingBecause(await.because(before.why()));
  }

  private String unjoined(Pod pod) {
    try {
      List<Integer> groups = nodes.unjoinedGroups(pod);
      return groups.isEmpty()
          ? "FleetLM places no group on it that it is not a member of yet"
          : "FleetLM places Raft group"
              + (groups.size() == 1 ? " " : "s ")
              + groups.stream().map(String::valueOf).collect(Collectors.joining(", "))
              + " on it, and it is not a member of "
              + (groups.size() == 1 ? "it" : "them")
              + " (FleetLM's coordinator adds a node only to the groups it hosts itself)";
    } catch (NodeUnreachableException e) {
      return e.getMessage();
    }
  }

  /** What a node said of the groups it lacks, and when. */
  private record Explained(String why, Instant at) {}

  /**
   * The node the status records as the last one started has a pod the cache has not shown yet: the
   * status was read after the pod was made, before the pod's own event came. A node started now
   * would run beside it; it waits for that event instead.
   */
  private boolean notYetCached(FleetlmRelease release, List<Pod> pods) {
    int recorded = lastSerial(release);
    if (recorded == 0) {
      return false;
    }
    String name = ClusterMemberFactory.podName(release, recorded);
    return pods.stream().noneMatch(p -> p.getMetadata().getName().equals(name))
        && kube.stored(Pod.class, release.getMetadata().getNamespace(), name).isPresent();
  }

  /** The highest serial the release's status records as started. */
  private static int lastSerial(FleetlmRelease release) {
    return release.getStatus() == null || release.getStatus().getLastNodeSerial() == null
        ? 0
        : release.getStatus().getLastNodeSerial();
  }

  /**
   * How long the roll has waited on the same pods: the clock starts at the first wait and starts
   * again whenever a pod comes or goes or a step is taken (pods are never named again: serials
   * rise). A restarted node is the same pod, so a node that keeps crashing does not reset it. Kept
   * in memory: an operator restart starts it again, which delays a stop, never a step.
   */
  private NodeRollProgress progress(
      NodeMemory memory, List<Pod> pods, Step step, Instant now, int highestSerial) {
    if (!(step instanceof Await)) {
      memory.waiting = null;
      return new NodeRollProgress(Optional.of(step), Duration.ZERO, stepDeadline, highestSerial);
    }
    String podSet =
        pods.stream()
            .map(p -> p.getMetadata().getName())
            .collect(Collectors.toCollection(TreeSet::new))
            .toString();
    Waiting was = memory.waiting;
    Waiting since = was != null && was.pods().equals(podSet) ? was : new Waiting(podSet, now);
    memory.waiting = since;
    return new NodeRollProgress(
        Optional.of(step), Duration.between(since.since(), now), stepDeadline, highestSerial);
  }

  /** The pods a roll waits on, and since when. */
  private record Waiting(String pods, Instant since) {}

  private List<Member> members(
      NodeMemory memory,
      FleetlmRelease release,
      List<Pod> pods,
      String verifiedId,
      String verifiedImage) {
    String revision =
        verifiedId == null || verifiedImage == null
            ? null
            : ClusterMemberFactory.revision(release, verifiedImage, verifiedId);
    return pods.stream()
        .map(
            pod ->
                ClusterMemberFactory.serialOf(pod)
                    .map(serial -> member(memory, release, pod, serial, revision))
                    .orElseGet(() -> deploymentMember(memory, release, pod)))
        .toList();
  }

  private Member member(
      NodeMemory memory, FleetlmRelease release, Pod pod, int serial, String revision) {
    boolean current =
        revision != null
            && revision.equals(
                pod.getMetadata().getLabels().get(ClusterMemberFactory.LABEL_REVISION));
    return nodeMember(
        memory, pod, serial, ClusterWiring.memberNodeName(release.getSpec(), serial), current);
  }

  /**
   * A node the Deployment runs: named by DNSPoll's {@code <basename>@<pod IP>}, the basename as its
   * pod has it; serial 0, so it is older than every node the operator started, and never current.
   */
  private Member deploymentMember(NodeMemory memory, FleetlmRelease release, Pod pod) {
    return nodeMember(
        memory, pod, 0, ClusterWiring.deploymentNodeBasename(pod, release.getSpec()), false);
  }

  /** The node of a pod, named {@code <name>@<pod IP>} once it has an IP. */
  private Member nodeMember(NodeMemory memory, Pod pod, int serial, String name, boolean current) {
    String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
    String node = ip == null ? null : name + "@" + ip;
    boolean terminating = pod.getMetadata().getDeletionTimestamp() != null;
    return new Member(
        pod.getMetadata().getName(),
        serial,
        node,
        current,
        terminating,
        node != null && !terminating && joined(memory, pod),
        ended(pod));
  }

  /**
   * How the pod's node ended, when its app container terminated or its phase says it ended: the
   * exit code and the kubelet's reason, never the container's output (it may print secrets).
   */
  private static Optional<String> ended(Pod pod) {
    Optional<ContainerStateTerminated> terminated =
        appContainer(pod).map(ContainerStatus::getState).map(ContainerState::getTerminated);
    if (terminated.isPresent()) {
      return Optional.of(
          "exit code "
              + terminated.get().getExitCode()
              + Optional.ofNullable(terminated.get().getReason()).map(r -> ", " + r).orElse(""));
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Failed".equals(phase) || "Succeeded".equals(phase)
        ? Optional.of("pod " + phase)
        : Optional.empty();
  }

  /** Asks the node only while its container runs, and only until it said yes. */
  private boolean joined(NodeMemory memory, Pod pod) {
    Optional<ContainerStatus> container = appContainer(pod);
    if (container.isEmpty() || container.get().getState().getRunning() == null) {
      return false;
    }
    if (memory.joined.contains(incarnation(pod))) {
      return true;
    }
    try {
      if (nodes.joined(pod)) {
        memory.joined.add(incarnation(pod));
        return true;
      }
    } catch (NodeUnreachableException e) {
      // Once per node and answer: a node that is still booting is asked every few seconds.
      if (memory.unanswered.add(incarnation(pod) + " " + e.getMessage())) {
        LOG.infof("%s", e.getMessage());
      }
    }
    return false;
  }

  /** What the running nodes' groups disagree on, each node asked of the groups it serves. */
  private Optional<String> disagreement(List<Pod> pods, List<Member> members) {
    Map<String, List<Answer>> answers = new LinkedHashMap<>();
    for (Member member : members) {
      try {
        answers.put(member.node(), nodes.groups(podOf(pods, member)));
      } catch (NodeUnreachableException e) {
        return Optional.of(e.getMessage());
      }
    }
    return RaftConvergence.firstDisagreement(answers, members.stream().map(Member::node).toList());
  }

  /** The pod a member was judged from: members are made from these pods. */
  private static Pod podOf(List<Pod> pods, Member member) {
    return pods.stream()
        .filter(p -> p.getMetadata().getName().equals(member.pod()))
        .findFirst()
        .orElseThrow();
  }

  /** What this release's nodes said before, by the release's uid: a new release starts afresh. */
  private NodeMemory memory(Observation observation) {
    return memories.computeIfAbsent(
        observation.release().getMetadata().getUid(), uid -> new NodeMemory(observation.now()));
  }

  /** A pod's uid and its app container's restarts: a restarted node is a new node to FleetLM. */
  private static String incarnation(Pod pod) {
    return pod.getMetadata().getUid()
        + "/"
        + appContainer(pod).map(ContainerStatus::getRestartCount).orElse(0);
  }

  private static Optional<ContainerStatus> appContainer(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(c -> ResourceNames.APP_CONTAINER.equals(c.getName()))
        .findFirst();
  }

  /**
   * The nodes the spec asks for. A spec without clustering (one replica by default, or clustering
   * switched off) still has its nodes while one runs: the roll goes no further than FleetLM can
   * (never from two nodes to one), and once none runs the rest are stopped and the Deployment takes
   * over.
   */
  private static int wanted(FleetlmRelease release, List<Member> members) {
    int replicas = Objects.requireNonNullElse(release.getSpec().getReplicas(), 1);
    boolean running = members.stream().anyMatch(m -> !m.terminating() && m.ended().isEmpty());
    return ClusterWiring.enabled(release.getSpec()) || running ? replicas : 0;
  }
}
