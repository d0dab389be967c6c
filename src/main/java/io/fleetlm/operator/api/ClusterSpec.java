package io.fleetlm.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/**
 * How the release's pods find each other and form one FleetLM cluster: Erlang distribution named
 * after each pod's IP, peers found through the headless Service (libcluster's DNSPoll), and one
 * cookie for the old and the new image during a rolling update.
 */
public class ClusterSpec {

  public static final String DEFAULT_NODE_BASENAME = "fleetlm";
  public static final String DEFAULT_CLUSTER_DOMAIN = "cluster.local";

  @JsonPropertyDescription(
      "Wire clustering into every app pod: DNS_CLUSTER_QUERY (the headless Service),"
          + " DNS_CLUSTER_NODE_BASENAME, RELEASE_DISTRIBUTION=name, RELEASE_NODE=<basename>@<pod"
          + " IP> and RELEASE_COOKIE from a Secret the operator generates once. Default: on when"
          + " replicas > 1. Set false for a single node or for CLUSTER_NODES set in spec.env.")
  private Boolean enabled;

  @Pattern("^[a-z][a-z0-9_]{0,62}$")
  @JsonPropertyDescription(
      "Name part of each pod's Erlang node (<basename>@<pod IP>), and DNS_CLUSTER_NODE_BASENAME."
          + " Default fleetlm, FleetLM's own default.")
  private String nodeBasename;

  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
  @JsonPropertyDescription(
      "DNS domain of the Kubernetes cluster, for the headless Service's name in"
          + " DNS_CLUSTER_QUERY. Default cluster.local.")
  private String clusterDomain;

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public String getNodeBasename() {
    return nodeBasename;
  }

  public void setNodeBasename(String nodeBasename) {
    this.nodeBasename = nodeBasename;
  }

  public String getClusterDomain() {
    return clusterDomain;
  }

  public void setClusterDomain(String clusterDomain) {
    this.clusterDomain = clusterDomain;
  }
}
