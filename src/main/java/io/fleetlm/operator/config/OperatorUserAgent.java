package io.fleetlm.operator.config;

import io.fabric8.kubernetes.client.Config;
import io.quarkus.kubernetes.client.KubernetesConfigCustomizer;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Names the operator in every request it sends, so that audit logs and the API server's own metrics
 * (apiserver_request_total by client) tell its requests from kubectl's and other clients'.
 */
@Singleton
public class OperatorUserAgent implements KubernetesConfigCustomizer {

  public static final String PRODUCT = "fleetlm-operator";

  private final String version;

  OperatorUserAgent(
      @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version) {
    this.version = version;
  }

  @Override
  public void customize(Config config) {
    config.setUserAgent(PRODUCT + "/" + version);
  }
}
