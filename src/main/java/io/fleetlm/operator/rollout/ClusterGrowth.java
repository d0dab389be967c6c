package io.fleetlm.operator.rollout;

/**
 * How many replicas the Deployment of a clustered release asks for while its FleetLM cluster grows.
 * A FleetLM node that starts beside others that have no Raft groups yet founds its own groups, and
 * a node that joins adds itself to every group it is placed in, one group after another; two nodes
 * joining at once is how a cluster splits or a group loses its majority. So the cluster grows one
 * node at a time: the first pod alone, each next one only once every pod the Deployment asks for is
 * ready, available and on the current template. This holds for a first start, a scale-up, and a
 * start from zero pods (after a pause or a scale to zero).
 */
public final class ClusterGrowth {

  private ClusterGrowth() {}

  /**
   * @param clustered whether the release's pods form one FleetLM cluster
   * @param wanted the replicas the spec asks for
   * @param live the Deployment as observed
   */
  public static int replicas(boolean clustered, int wanted, RolloutState live) {
    if (!clustered || wanted <= 1) {
      return wanted;
    }
    if (!live.exists()) {
      return 1;
    }
    int current = live.replicas();
    if (current >= wanted) {
      return wanted;
    }
    return settled(live) ? current + 1 : current;
  }

  /** True while the cluster is still being grown towards the spec's replicas. */
  public static boolean growing(boolean clustered, RolloutState live) {
    return clustered && live.exists() && live.replicas() < live.wanted();
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
