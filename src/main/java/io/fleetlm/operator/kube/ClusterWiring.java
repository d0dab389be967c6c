package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fleetlm.operator.api.ClusterSpec;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The environment that makes a release's pods one FleetLM cluster, as FleetLM's runtime config and
 * the Elixir release scripts read it: libcluster's DNSPoll on the headless Service finds peers at
 * {@code <basename>@<ip>}, so each pod's Erlang node is named that way, and one cookie lets the old
 * and the new image's pods connect during a rolling update.
 */
public final class ClusterWiring {

  public static final String COOKIE_KEY = "RELEASE_COOKIE";
  static final String POD_IP = "POD_IP";
  static final String DNS_CLUSTER_QUERY = "DNS_CLUSTER_QUERY";
  static final String NODE_BASENAME = "DNS_CLUSTER_NODE_BASENAME";
  static final String DISTRIBUTION = "RELEASE_DISTRIBUTION";
  static final String NODE = "RELEASE_NODE";
  static final String CLUSTER_NODES = "CLUSTER_NODES";

  private ClusterWiring() {}

  /** On when the spec says so; by default with more than one replica. */
  public static boolean enabled(FleetlmReleaseSpec spec) {
    Boolean chosen = spec.getCluster() == null ? null : spec.getCluster().getEnabled();
    return chosen != null ? chosen : Objects.requireNonNullElse(spec.getReplicas(), 1) > 1;
  }

  public static String basename(FleetlmReleaseSpec spec) {
    String chosen = spec.getCluster() == null ? null : spec.getCluster().getNodeBasename();
    return chosen == null ? ClusterSpec.DEFAULT_NODE_BASENAME : chosen;
  }

  /** The headless Service's FQDN, as DNSPoll queries it. */
  public static String dnsQuery(FleetlmRelease release) {
    ClusterSpec cluster = release.getSpec().getCluster();
    String domain =
        cluster == null || cluster.getClusterDomain() == null
            ? ClusterSpec.DEFAULT_CLUSTER_DOMAIN
            : cluster.getClusterDomain();
    return ResourceNames.headlessServiceName(release)
        + "."
        + release.getMetadata().getNamespace()
        + ".svc."
        + domain;
  }

  /**
   * The variables, except those the user set in spec.env (theirs win). POD_IP comes first: the node
   * name refers to it, and Kubernetes expands $(VAR) only from variables defined before.
   */
  static List<EnvVar> environment(FleetlmRelease release) {
    FleetlmReleaseSpec spec = release.getSpec();
    if (!enabled(spec)) {
      return List.of();
    }
    return wired(
        release,
        basename(spec),
        List.of(plain(DNS_CLUSTER_QUERY, dnsQuery(release)), plain(NODE_BASENAME, basename(spec))));
  }

  /**
   * A node's name for the operator's own pods ({@link ClusterMemberFactory}): the basename and the
   * serial, zero-padded so that names sort as serials do. FleetLM's lowest-named node of a group's
   * replica set founds the group, so a node started later must sort higher: also above a
   * Deployment's {@code <basename>@<ip>} nodes that it replaces, and above nodes of the earlier
   * {@code <basename>-<serial>} form, hence {@code _}, which sorts after both {@code @} and {@code
   * -}.
   */
  public static String memberNodeName(FleetlmReleaseSpec spec, int serial) {
    return String.format("%s_%05d", basename(spec), serial);
  }

  /**
   * The basename a Deployment's pod gave its node ({@code <basename>@<pod IP>}, DNSPoll's name), as
   * its app container has it: the spec may name another basename since.
   */
  public static String deploymentNodeBasename(Pod pod, FleetlmReleaseSpec spec) {
    return pod.getSpec().getContainers().stream()
        .filter(c -> ResourceNames.APP_CONTAINER.equals(c.getName()))
        .flatMap(c -> c.getEnv() == null ? Stream.empty() : c.getEnv().stream())
        .filter(e -> NODE_BASENAME.equals(e.getName()) && e.getValue() != null)
        .map(EnvVar::getValue)
        .findFirst()
        .orElse(basename(spec));
  }

  /**
   * The variables of the node of that serial: libcluster's Epmd strategy on CLUSTER_NODES (the
   * running nodes, then itself), whose entry count is also the cluster size FleetLM waits for
   * before it places groups. No DNS_CLUSTER_QUERY: DNSPoll would look for {@code <basename>@<ip>},
   * and with it set FleetLM does not read CLUSTER_NODES for peers.
   */
  static List<EnvVar> memberEnvironment(FleetlmRelease release, int serial, List<String> peers) {
    String name = memberNodeName(release.getSpec(), serial);
    List<String> nodes = new ArrayList<>(peers);
    nodes.add(name + "@$(" + POD_IP + ")");
    return wired(release, name, List.of(plain(CLUSTER_NODES, String.join(",", nodes))));
  }

  private static List<EnvVar> wired(FleetlmRelease release, String nodeName, List<EnvVar> peers) {
    Set<String> userSet = userSet(release.getSpec());
    List<EnvVar> env = new ArrayList<>();
    env.add(
        new EnvVarBuilder()
            .withName(POD_IP)
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("status.podIP")
            .endFieldRef()
            .endValueFrom()
            .build());
    env.addAll(peers);
    env.add(plain(DISTRIBUTION, "name"));
    env.add(plain(NODE, nodeName + "@$(" + POD_IP + ")"));
    env.add(
        new EnvVarBuilder()
            .withName(COOKIE_KEY)
            .withNewValueFrom()
            .withNewSecretKeyRef()
            .withName(ResourceNames.cookieSecretName(release))
            .withKey(COOKIE_KEY)
            .withOptional(false)
            .endSecretKeyRef()
            .endValueFrom()
            .build());
    return env.stream().filter(e -> !userSet.contains(e.getName())).toList();
  }

  /** Every FleetLM Raft group has 3 members (@replication_factor in raft_manager.ex). */
  public static final int FLEETLM_REPLICATION_FACTOR = 3;

  /**
   * What keeps the pods from forming one cluster (spec.env), or what FleetLM cannot do at the
   * spec's size, said in status.warnings.
   */
  public static List<String> warnings(FleetlmRelease release) {
    FleetlmReleaseSpec spec = release.getSpec();
    if (!enabled(spec)) {
      return List.of();
    }
    Map<String, String> user =
        Objects.requireNonNullElse(spec.getEnv(), List.<EnvVar>of()).stream()
            .filter(e -> e.getValue() != null)
            .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue, (a, b) -> b));
    List<String> warnings = new ArrayList<>();
    int replicas = Objects.requireNonNullElse(spec.getReplicas(), 1);
    if (replicas > FLEETLM_REPLICATION_FACTOR) {
      warnings.add(
          "spec.replicas is "
              + replicas
              + ": FleetLM-era images cannot rebalance groups their coordinator does not host; with"
              + " more than 3 replicas a roll or scale-down can stall. Each Raft group lives on 3"
              + " nodes, and FleetLM's coordinator (raft_topology.ex) skips every group it runs no"
              + " server of, so those groups keep departed members until they lose their"
              + " majority. Run 3 replicas");
    }
    if (user.containsKey(DISTRIBUTION) && !"name".equals(user.get(DISTRIBUTION))) {
      warnings.add(
          "spec.env sets RELEASE_DISTRIBUTION="
              + user.get(DISTRIBUTION)
              + ": DNSPoll connects to <basename>@<pod IP>, which needs long names (name); the"
              + " pods will not form one cluster");
    }
    if (user.containsKey(NODE) && !user.get(NODE).contains("@")) {
      warnings.add(
          "spec.env sets RELEASE_NODE without a host part: DNSPoll looks for "
              + basename(spec)
              + "@<pod IP>; the pods will not form one cluster");
    }
    if (user.containsKey(DNS_CLUSTER_QUERY)
        && !dnsQuery(release).equals(user.get(DNS_CLUSTER_QUERY))) {
      warnings.add(
          "spec.env sets DNS_CLUSTER_QUERY="
              + user.get(DNS_CLUSTER_QUERY)
              + ": peers are looked up there, not in this release's headless Service "
              + dnsQuery(release));
    }
    return List.copyOf(warnings);
  }

  private static Set<String> userSet(FleetlmReleaseSpec spec) {
    return Objects.requireNonNullElse(spec.getEnv(), List.<EnvVar>of()).stream()
        .map(EnvVar::getName)
        .collect(Collectors.toSet());
  }

  private static EnvVar plain(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }
}
