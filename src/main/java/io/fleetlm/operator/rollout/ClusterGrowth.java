package io.fleetlm.operator.rollout;

/**
 * How many replicas the Deployment of a clustered release asks for while its FleetLM cluster
 * changes size. A FleetLM node that starts beside others that have no Raft groups yet founds its
 * own groups, a node that joins is added to every group it is placed in, one group after another,
 * and a node that leaves takes its members with it until the coordinator replaces them; two nodes
 * joining or leaving at once is how a cluster splits or a group loses its majority. So the cluster
 * changes by one node at a time: the first pod alone, then one pod more (or one fewer) only once
 * every pod the Deployment asks for is ready, available and on its current template. This holds for
 * a first start, a scale-up, a scale-down, and a start from zero pods (after a pause or a scale to
 * zero).
 */
public final class ClusterGrowth {

  private ClusterGrowth() {}

  /**
   * @param clustered whether the release's pods form one FleetLM cluster
   * @param wanted the replicas the spec asks for
   * @param live the Deployment as observed
   */
  public static int replicas(boolean clustered, int wanted, RolloutState live) {
    if (!clustered) {
      return wanted;
    }
    if (!live.exists()) {
      return Math.min(1, wanted);
    }
    int current = live.replicas();
    if (current == wanted || !settled(live)) {
      return current;
    }
    return current < wanted ? current + 1 : current - 1;
  }

  /** Every pod the Deployment asks for is up and on its current template, and no other is left. */
  private static boolean settled(RolloutState live) {
    int current = live.replicas();
    return live.observed()
        && live.ready() == current
        && live.available() == current
        && live.updated() == current
        && live.total() == current;
  }
}
